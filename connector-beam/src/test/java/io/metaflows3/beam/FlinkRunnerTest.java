package io.metaflows3.beam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.metaflows3.core.metaflow.FlowRun;
import io.metaflows3.core.LocalS3;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.local.LocalS3Extension;
import io.metaflows3.local.LocalS3Server;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end on a distributed runner in local mode (Flink's embedded cluster): DoFns, coders and splits are
 * serialized as on a cluster, and a task that fails on its first attempt is retried by the runner.
 */
@ExtendWith(LocalS3Extension.class)
class FlinkRunnerTest {
  /** Fails the first attempt once, after part of the input has already been written. */
  private static final AtomicBoolean FAILED_ONCE = new AtomicBoolean();

  @TempDir
  static Path flinkConf;

  /** A pipeline on an embedded Flink cluster that restarts a failed job up to 3 times, as a cluster would. */
  private static Pipeline flink() {
    try {
      Files.writeString(flinkConf.resolve("flink-conf.yaml"), String.join("\n",
          "restart-strategy.type: fixed-delay",
          "restart-strategy.fixed-delay.attempts: 3",
          "restart-strategy.fixed-delay.delay: 100 ms",
          "taskmanager.numberOfTaskSlots: 2", ""));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    FlinkPipelineOptions options = PipelineOptionsFactory.as(FlinkPipelineOptions.class);
    options.setRunner(FlinkRunner.class);
    options.setFlinkMaster("[local]");
    options.setFlinkConfDir(flinkConf.toString());
    options.setParallelism(2);
    return Pipeline.create(options);
  }

  /**
   * The watch of runs on Flink in streaming mode: objects as they come, with their times, and windows that fire
   * (when the watch ends: Flink's runner holds a splittable DoFn's watermark back until then, see WatchedRuns).
   */
  @Test
  void watchedRunsAreReadAsTheyGrowWithTheirTimesAndWindowsFire(LocalS3Server server) throws Exception {
    Pipeline p = flink();
    p.getOptions().as(FlinkPipelineOptions.class).setStreaming(true);
    WatchedRuns.check(p, LocalS3.settings(server).build(), LocalS3.root(server, "flink-watched"), false);
  }

  @Test
  void writeWithAFailedFirstAttemptThenReadYieldsEachElementOnce(LocalS3Server server) {
    S3Settings settings = LocalS3.settings(server).build();
    String s3root = LocalS3.root(server, "flink");
    FlowRun run = FlowRun.of("FlinkFlow", "1");
    List<KV<String, byte[]>> input = new ArrayList<>();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      input.add(KV.of("part=" + (i % 4) + "/item-" + i + ".txt", ("value-" + i).getBytes(StandardCharsets.UTF_8)));
      expected.add("value-" + i);
    }

    Pipeline write = flink();
    write.apply(Create.of(input).withCoder(KvCoder.of(StringUtf8Coder.of(), ByteArrayCoder.of())))
        .apply("FailFirstAttempt", MapElements.into(TypeDescriptors.kvs(TypeDescriptors.strings(),
            TypeDescriptor.of(byte[].class))).via(kv -> {
              if (kv.getKey().endsWith("item-150.txt") && FAILED_ONCE.compareAndSet(false, true)) {
                throw new IllegalStateException("injected failure of the first attempt");
              }
              return kv;
            }))
        .apply(MetaflowS3IO.write().withSettings(settings).withS3root(s3root).to(run, "items/"));
    write.run().waitUntilFinish();
    assertTrue(FAILED_ONCE.get(), "the first attempt failed and was retried");

    Pipeline read = flink();
    PAssert.that(read.apply(MetaflowS3IO.read().withSettings(settings).withS3root(s3root).withRun(run)
            .withPrefixes(List.of("items/")).withBundleSize(1024))
        .apply(MapElements.into(TypeDescriptors.strings()).via(o -> new String(o.bytes, StandardCharsets.UTF_8))))
        .containsInAnyOrder(expected);
    read.run().waitUntilFinish();

    try (S3 s3 = S3.builder().settings(settings).environment(Map.of()).build()) {
      String items = s3root + "/FlinkFlow/1/items/";
      // The failed attempt's objects were never recorded; a vacuum past the retention deletes them.
      io.metaflows3.core.table.Vacuum.vacuum(settings, items, java.time.Duration.ZERO, true);
      long stored = s3.listRecursive(List.of(items)).stream()
          .filter(o -> !o.url().contains("/" + io.metaflows3.core.table.TableWrite.OBJECTS_FOLDER)).count();
      assertEquals(200, stored, "the 200 items, and nothing of the failed attempt");
    }
  }
}
