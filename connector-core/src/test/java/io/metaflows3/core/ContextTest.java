package io.metaflows3.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.metaflows3.core.api.S3PutObject;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.core.metaflow.FlowRun;
import io.metaflows3.core.metaflow.MetaflowS3Exception;
import io.metaflows3.core.metaflow.TaskContext;
import io.metaflows3.core.table.AttemptWriter;
import io.metaflows3.core.table.Runs;
import io.metaflows3.core.table.TableWrite;
import io.metaflows3.local.LocalS3Extension;
import io.metaflows3.local.LocalS3Server;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** How contexts and the environment decide where keys go. */
@ExtendWith(LocalS3Extension.class)
class ContextTest {
  private final LocalS3Server server;

  ContextTest(LocalS3Server server) {
    this.server = server;
  }

  @Test
  void rootComesFromMetaflowsEnvironment() {
    S3Settings settings = LocalS3.settings(server).build();
    String bucket = server.bucket();
    try (S3 s3 = S3.builder().settings(settings).run(FlowRun.of("EnvFlow", "7"))
        .environment(Map.of("METAFLOW_DATATOOLS_S3ROOT", "s3://" + bucket + "/dt")).build()) {
      assertEquals("s3://" + bucket + "/dt/EnvFlow/7/", s3.root().orElseThrow());
    }
    try (S3 s3 = S3.builder().settings(settings).run(FlowRun.of("EnvFlow", "7"))
        .environment(Map.of("METAFLOW_DATASTORE_SYSROOT_S3", "s3://" + bucket + "/sys")).build()) {
      assertEquals("s3://" + bucket + "/sys/data/EnvFlow/7/", s3.root().orElseThrow());
    }
    assertThrows(MetaflowS3Exception.class,
        () -> S3.builder().settings(settings).run(FlowRun.of("EnvFlow", "7")).environment(Map.of()).build());
  }

  @Test
  void bucketAndPrefixTakeTheRunLayout() {
    try (S3 s3 = S3.builder().settings(LocalS3.settings(server).build()).bucket(server.bucket()).prefix("bp")
        .task(TaskContext.of(FlowRun.of("TaskFlow", "12"), "train", "42", 1)).build()) {
      assertEquals("s3://" + server.bucket() + "/bp/TaskFlow/12/", s3.root().orElseThrow());
      s3.put("out", "x");
      Map<String, String> meta = s3.info("out").lineage();
      assertEquals("TaskFlow", meta.get("metaflow-flow"));
      assertEquals("12", meta.get("metaflow-run-id"));
      assertEquals("train", meta.get("metaflow-step"));
      assertEquals("42", meta.get("metaflow-task-id"));
      assertEquals("1", meta.get("metaflow-attempt"));
    }
  }

  @Test
  void endpointAndTempRootFromEnvironment() {
    S3Settings s = S3Settings.fromEnvironment(Map.of("AWS_ENDPOINT_URL", "http://127.0.0.1:1",
        "AWS_ENDPOINT_URL_S3", "http://127.0.0.1:2", "METAFLOW_TEMPDIR", "/tmp/mf"));
    assertEquals("http://127.0.0.1:2", s.endpoint());
    assertEquals("/tmp/mf", s.tmpRoot());
    assertEquals("http://127.0.0.1:3", S3Settings.fromEnvironment(Map.of("METAFLOW_S3_ENDPOINT_URL",
        "http://127.0.0.1:3", "AWS_ENDPOINT_URL", "http://127.0.0.1:1")).endpoint());
    S3Settings o = S3Settings.fromOptions(Map.of("ENDPOINT", "http://127.0.0.1:4", "partsize", "16m",
        "maxInFlight", "8"), s);
    assertEquals("http://127.0.0.1:4", o.endpoint());
    assertEquals(16L << 20, o.partSize());
    assertEquals(8, o.maxInFlight());
    assertThrows(IllegalArgumentException.class, () -> S3Settings.fromOptions(Map.of("partSize", "big"), s));
    assertThrows(IllegalArgumentException.class, () -> S3Settings.builder().endpoint("not a url"));
  }

  @Test
  void latestRunComparesRunIdsAsNumbers() {
    try (S3 s3 = S3.builder().settings(LocalS3.settings(server).build()).s3root(LocalS3.root(server, "ctx/"))
        .build()) {
      assertEquals(java.util.Optional.empty(), Runs.latest(s3, "NoFlow"));
      s3.putMany(List.of(S3PutObject.of("NumFlow/9/x", "a"), S3PutObject.of("NumFlow/10/x", "b"),
          S3PutObject.of("NumFlow/2/x", "c")));
      assertEquals(FlowRun.of("NumFlow", "10"), Runs.latest(s3, "NumFlow").orElseThrow());

      // Run 11 has only a write in flight: not a result yet, so the latest run is still 10.
      String run11 = LocalS3.root(server, "ctx/NumFlow/11/models/");
      TableWrite inFlight = TableWrite.begin(s3.settings(), run11, TableWrite.Mode.APPEND);
      try (S3 worker = S3.builder().settings(s3.settings()).environment(Map.of()).build()) {
        AttemptWriter task = inFlight.openAttempt(worker, "t0");
        task.write("model.json", "{}".getBytes(), "application/json");
        assertEquals(FlowRun.of("NumFlow", "10"), Runs.latest(s3, "NumFlow").orElseThrow());
        inFlight.commit(task.written());
      }
      assertEquals(FlowRun.of("NumFlow", "11"), Runs.latest(s3, "NumFlow").orElseThrow(), "committed: now it is");
    }
  }
}
