package io.metaflows3.core.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.metaflows3.core.LocalS3;
import io.metaflows3.core.S3;
import io.metaflows3.core.S3Settings;
import io.metaflows3.local.LocalS3Extension;
import io.metaflows3.local.LocalS3Server;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Writers in JVMs of their own ({@link ChildWriter}), killed with SIGKILL at every step of a first write, an
 * append and an overwrite: a reader afterwards sees exactly the state before the write or after it, never a
 * mixture, and the next write succeeds (and leaves plain readers agreeing again). Then writers in three JVMs
 * race on one table: every commit is visible exactly as some serial order of them says.
 */
@ExtendWith(LocalS3Extension.class)
class CrashMatrixTest {
  private static final List<String> STAGES = List.of("begun", "wrote-some", "wrote-all", "version-created");
  private final LocalS3Server server;
  private final S3Settings settings;

  CrashMatrixTest(LocalS3Server server) {
    this.server = server;
    this.settings = LocalS3.settings(server).build();
  }

  private S3 client() {
    return S3.builder().settings(settings).environment(Map.of()).build();
  }

  private Process child(String table, TableWrite.Mode mode, String stage, String tag, int count) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
        ChildWriter.class.getName(), server.endpoint().toString(), LocalS3Server.ACCESS_KEY_ID,
        LocalS3Server.SECRET_ACCESS_KEY, table, mode.name(), stage, tag, Integer.toString(count))
        .redirectErrorStream(true).start();
  }

  /** Runs a child writer until it reports {@code stage}, then kills it with SIGKILL. */
  private void killAt(String table, TableWrite.Mode mode, String stage, String tag) throws Exception {
    Process p = child(table, mode, stage, tag, 1);
    List<String> output = new ArrayList<>();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = out.readLine()) != null; ) {
        output.add(line);
        if (line.equals("STAGE " + stage)) {
          p.destroyForcibly();
          assertTrue(p.waitFor(30, TimeUnit.SECONDS));
          return;
        }
      }
    }
    fail("the writer ended before " + stage + ":\n" + String.join("\n", output));
  }

  private static TreeSet<String> read(S3 s3, String table) {
    return new TreeSet<>(TableReads.visible(s3, table));
  }

  private static TreeSet<String> readPlain(S3 s3, String table) {
    return new TreeSet<>(TableReads.plain(s3, table));
  }

  private static List<String> childObjects(String tag) {
    return List.of("country=C0/" + tag + "-0.txt", "country=C1/" + tag + "-0.txt", "country=C2/" + tag + "-0.txt");
  }

  private void commitOne(String table, TableWrite.Mode mode, String name) {
    TableWrite w = TableWrite.begin(settings, table, mode);
    try (S3 s3 = client()) {
      AttemptWriter a = w.openAttempt(s3, "t0");
      a.write(name, name.getBytes(StandardCharsets.UTF_8), "text/plain");
      w.commit(a.written());
    }
  }

  @Test
  void aWriterKilledAtAnyStepLeavesTheStateBeforeOrAfterIt() throws Exception {
    int n = 0;
    for (String scenario : List.of("first", "append", "overwrite")) {
      for (String stage : STAGES) {
        String table = LocalS3.root(server, "crash/" + scenario + "-" + stage + "/");
        try (S3 s3 = client()) {
          if (scenario.equals("first")) {
            s3.put(table + "country=C0/foreign.txt", "country=C0/foreign.txt");
          } else {
            commitOne(table, TableWrite.Mode.APPEND, "country=C9/earlier.txt");
          }
          TreeSet<String> before = read(s3, table);
          TableWrite.Mode mode = scenario.equals("overwrite") ? TableWrite.Mode.OVERWRITE : TableWrite.Mode.APPEND;
          String tag = "k" + n++;
          killAt(table, mode, stage, tag);

          TreeSet<String> after = new TreeSet<>(mode == TableWrite.Mode.OVERWRITE ? List.of() : before);
          after.addAll(childObjects(tag));
          TreeSet<String> expected = stage.equals("version-created") ? after : before;
          assertEquals(expected, read(s3, table), scenario + ", killed after " + stage);

          commitOne(table, TableWrite.Mode.APPEND, "country=C8/next.txt");
          expected.add("country=C8/next.txt");
          assertEquals(expected, read(s3, table), scenario + ", the next write after a kill at " + stage);
          if (stage.equals("version-created") || stage.equals("begun")) {
            // Objects a killed commit had replaced are deleted by the next commit; a writer killed before its
            // commit leaves uncommitted objects, which only our readers ignore (no lease tells them dead yet).
            assertEquals(expected, readPlain(s3, table), scenario + ", plain readers after a kill at " + stage);
          }
        }
      }
    }
  }

  @Test
  void writersInThreeJvmsCommitInSomeSerialOrder() throws Exception {
    String table = LocalS3.root(server, "crash/race/");
    List<Process> writers = new ArrayList<>();
    for (int w = 0; w < 3; w++) {
      writers.add(child(table, w == 0 ? TableWrite.Mode.OVERWRITE : TableWrite.Mode.APPEND, "none", "w" + w, 4));
    }
    for (Process p : writers) {
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(p.waitFor(120, TimeUnit.SECONDS));
      assertEquals(0, p.exitValue(), output);
    }
    try (S3 s3 = client()) {
      TableSnapshot log = new TableLog(s3, table).snapshot();
      assertEquals(1 + 3 * 4, log.version() + 1, "an adopting version and one version per commit");
      // Replaying the log serially: the last overwrite's objects and every append committed after it.
      assertEquals(new TreeSet<>(log.live().keySet().stream().map(k -> k.replaceAll("-task\\d-.*", ".txt"))
          .toList()), read(s3, table));
      assertEquals(read(s3, table), readPlain(s3, table));
      assertEquals(log.version() + 1, log.writes().size(), "every version names a write of its own");
    }
  }
}
