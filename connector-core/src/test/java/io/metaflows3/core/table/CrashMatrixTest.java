package io.metaflows3.core.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.metaflows3.core.api.GetOption;
import io.metaflows3.core.LocalS3;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Object;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.local.LocalS3Extension;
import io.metaflows3.local.LocalS3Server;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Writers in JVMs of their own ({@link ChildWriter}), killed with SIGKILL at every step of a first write, an
 * append and an overwrite: a reader afterwards sees exactly the state before the write or after it, never a
 * mixture, the next write succeeds, and after a vacuum plain readers agree again; for Delta tables of rows and
 * for writes of objects alike. Then writers in three JVMs race on one table, readers looping meanwhile: every
 * commit is visible exactly as some serial order of them says, and no read fails.
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

  private Process child(String table, TableWrite.Mode mode, String stage, String tag, int count, boolean delta)
      throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
        ChildWriter.class.getName(), server.endpoint().toString(), LocalS3Server.ACCESS_KEY_ID,
        LocalS3Server.SECRET_ACCESS_KEY, table, mode.name(), stage, tag, Integer.toString(count),
        delta ? "delta" : "objects").redirectErrorStream(true).start();
  }

  /** Runs a child writer until it reports {@code stage}, then kills it with SIGKILL. */
  private void killAt(String table, TableWrite.Mode mode, String stage, String tag, boolean delta) throws Exception {
    Process p = child(table, mode, stage, tag, 1, delta);
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

  /** What our readers see; nothing at all when the location has no object yet. */
  private static TreeSet<String> read(S3 s3, String table) {
    try {
      return new TreeSet<>(TableReads.visible(s3, table));
    } catch (io.metaflows3.core.metaflow.MetaflowS3NotFound empty) {
      return new TreeSet<>();
    }
  }

  private static TreeSet<String> readPlain(S3 s3, String table) {
    return new TreeSet<>(TableReads.plain(s3, table));
  }

  private static List<String> childObjects(String tag) {
    return List.of("country=C0/" + tag + "-0.txt", "country=C1/" + tag + "-0.txt", "country=C2/" + tag + "-0.txt");
  }

  private void commitOne(String table, TableWrite.Mode mode, String name, boolean delta) {
    TableWrite w = delta ? TableWrite.begin(settings, table, mode, ChildWriter.LAYOUT)
        : TableWrite.begin(settings, table, mode);
    try (S3 s3 = client()) {
      AttemptWriter a = w.openAttempt(s3, "t0");
      WrittenObject o = a.write(name, name.getBytes(StandardCharsets.UTF_8), "text/plain");
      w.commit(List.of(delta ? ChildWriter.inPartition(o, name.substring(8, name.indexOf('/'))) : o));
    }
  }

  @Test
  void aWriterOfObjectsKilledAtAnyStepLeavesTheStateBeforeOrAfterIt() throws Exception {
    killedAtEveryStep(false);
  }

  @Test
  void aDeltaWriterKilledAtAnyStepLeavesTheStateBeforeOrAfterIt() throws Exception {
    killedAtEveryStep(true);
  }

  private void killedAtEveryStep(boolean delta) throws Exception {
    int n = 0;
    for (String scenario : List.of("first", "append", "overwrite")) {
      for (String stage : STAGES) {
        String table = LocalS3.root(server, "crash/" + (delta ? "delta-" : "") + scenario + "-" + stage + "/");
        try (S3 s3 = client()) {
          if (!scenario.equals("first")) {
            commitOne(table, TableWrite.Mode.APPEND, "country=C9/earlier.txt", delta);
          }
          TreeSet<String> before = read(s3, table);
          TableWrite.Mode mode = scenario.equals("overwrite") ? TableWrite.Mode.OVERWRITE : TableWrite.Mode.APPEND;
          String tag = "k" + n++;
          killAt(table, mode, stage, tag, delta);

          TreeSet<String> after = new TreeSet<>(mode == TableWrite.Mode.OVERWRITE ? List.of() : before);
          after.addAll(childObjects(tag));
          TreeSet<String> expected = stage.equals("version-created") ? after : before;
          assertEquals(expected, read(s3, table), scenario + ", killed after " + stage);

          commitOne(table, TableWrite.Mode.APPEND, "country=C8/next.txt", delta);
          expected.add("country=C8/next.txt");
          assertEquals(expected, read(s3, table), scenario + ", the next write after a kill at " + stage);
          // The killed writer's debris and the files an overwrite removed go with a vacuum past the retention.
          Vacuum.vacuum(settings, table, Duration.ZERO, true);
          assertEquals(expected, readPlain(s3, table), scenario + ", plain readers after a kill at " + stage
              + " and a vacuum");
          assertEquals(expected, read(s3, table), scenario + ", after the vacuum");
        }
      }
    }
  }

  @Test
  void aDeltaWriterKilledBeforeItsCheckpointOrBetweenTheCheckpointAndItsPointerLeavesATableReadAsItWas()
      throws Exception {
    String table = LocalS3.root(server, "crash/delta-checkpoint/");
    try (S3 s3 = client()) {
      for (int v = 1; v <= 9; v++) {
        commitOne(table, TableWrite.Mode.APPEND, "country=C9/v" + v + ".txt", true);
      }
      TreeSet<String> expected = read(s3, table);
      // Version 10 is due a checkpoint; the writer dies once the version exists, before Kernel writes it.
      killAt(table, TableWrite.Mode.APPEND, "version-created", "k10", true);
      expected.addAll(childObjects("k10"));
      assertEquals(expected, read(s3, table), "version 10 without its checkpoint");
      assertFalse(s3.info(table + "_delta_log/00000000000000000010.checkpoint.parquet", GetOption.RETURN_MISSING)
          .exists());
      for (int v = 11; v <= 20; v++) {
        commitOne(table, TableWrite.Mode.APPEND, "country=C8/v" + v + ".txt", true);
        expected.add("country=C8/v" + v + ".txt");
      }
      assertTrue(s3.info(table + "_delta_log/00000000000000000020.checkpoint.parquet", GetOption.RETURN_MISSING)
          .exists());
      assertEquals(expected, read(s3, table), "read from the checkpoint of version 20");
      // A writer that dies between storing a checkpoint and its pointer leaves the pointer behind (here: none).
      s3.delete(table + "_delta_log/_last_checkpoint");
      assertEquals(expected, read(s3, table), "the checkpoint without its pointer");
      commitOne(table, TableWrite.Mode.APPEND, "country=C7/v21.txt", true);
      expected.add("country=C7/v21.txt");
      assertEquals(expected, read(s3, table), "the next write");
    }
  }

  @Test
  void writersOfObjectsInThreeJvmsCommitInSomeSerialOrderWhileReadersLoop() throws Exception {
    racingWithReaders(LocalS3.root(server, "crash/race/"), false);
  }

  @Test
  void deltaWritersInThreeJvmsCommitInSomeSerialOrderWhileReadersLoop() throws Exception {
    racingWithReaders(LocalS3.root(server, "crash/delta-race/"), true);
  }

  private void racingWithReaders(String table, boolean delta) throws Exception {
    AtomicBoolean racing = new AtomicBoolean(true);
    AtomicInteger reads = new AtomicInteger();
    List<Throwable> failures = new ArrayList<>();
    Thread reader = new Thread(() -> {
      try (S3 s3 = client()) {
        while (racing.get()) {
          try {
            // Every read is one snapshot: whole commits of three files, each file still there to read.
            assertEquals(0, read(s3, table).size() % 3, "a read of whole commits");
            reads.incrementAndGet();
          } catch (io.metaflows3.core.metaflow.MetaflowS3NotFound beforeTheFirstCommit) {
            // nothing there yet
          }
        }
      } catch (Throwable t) {
        failures.add(t);
      }
    });
    reader.start();
    Map<Long, Long> overwrites = race(table, delta);
    racing.set(false);
    reader.join();
    assertEquals(List.of(), failures);
    assertTrue(reads.get() > 0, "the reader read while the writers raced");
    try (S3 s3 = client()) {
      // The last overwrite (writer w0) replaced what the version it began from held: its files and those of every
      // append committed after that version are visible, also appends that landed while it ran.
      long last = overwrites.keySet().stream().max(Long::compare).orElseThrow();
      long base = overwrites.get(last);
      TreeSet<String> expected = new TreeSet<>();
      ObjectMapper json = new ObjectMapper();
      int versions = 0;
      String record = delta ? table : table + TableWrite.OBJECTS_FOLDER;
      for (S3Object f : s3.listPaths(List.of(record + "_delta_log/"))) {
        if (!f.url().endsWith(".json") || f.url().endsWith("_last_checkpoint")) {
          continue;
        }
        versions++;
        long version = Long.parseLong(f.url().substring(f.url().lastIndexOf('/') + 1, f.url().length() - 5));
        for (String line : s3.get(f.url()).text().split("\n")) {
          JsonNode add = json.readTree(line).get("add");
          if (add != null && (version == last || version > base && !overwrites.containsKey(version))) {
            String path = URLDecoder.decode(add.get("path").asText(), StandardCharsets.UTF_8);
            expected.add(path.substring(path.indexOf("country=")).replaceAll("-task\\d-.*", ".txt"));
          }
        }
      }
      assertEquals(1 + 3 * 4, versions, "the empty table and one version per commit");
      assertEquals(expected, read(s3, table));
    }
  }

  /**
   * Three writers in JVMs of their own, four writes each: the first overwrites, the others append. Returns the
   * overwrites' versions and the versions they began from.
   */
  private Map<Long, Long> race(String table, boolean delta) throws Exception {
    List<Process> writers = new ArrayList<>();
    for (int w = 0; w < 3; w++) {
      writers.add(child(table, w == 0 ? TableWrite.Mode.OVERWRITE : TableWrite.Mode.APPEND, "none", "w" + w, 4,
          delta));
    }
    Map<Long, Long> overwrites = new TreeMap<>();
    for (int w = 0; w < writers.size(); w++) {
      Process p = writers.get(w);
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(p.waitFor(120, TimeUnit.SECONDS));
      assertEquals(0, p.exitValue(), output);
      for (String line : output.split("\n")) {
        String[] fields = line.split(" ");
        if (w == 0 && fields[0].equals("COMMITTED")) {
          overwrites.put(Long.parseLong(fields[1]), Long.parseLong(fields[2]));
        }
      }
    }
    assertEquals(4, overwrites.size(), "the overwriter reports each commit");
    return overwrites;
  }
}
