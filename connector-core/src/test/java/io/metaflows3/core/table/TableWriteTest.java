package io.metaflows3.core.table;

import static io.metaflows3.core.table.TableReads.plain;
import static io.metaflows3.core.table.TableReads.visible;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.metaflows3.core.LocalS3;
import io.metaflows3.core.metaflow.MetaflowS3Exception;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Object;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.local.LocalS3Extension;
import io.metaflows3.local.LocalS3Server;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Writes of objects (not rows), recorded in a Delta log of their own: what readers see, alone and racing. */
@ExtendWith(LocalS3Extension.class)
class TableWriteTest {
  private final LocalS3Server server;
  private final S3Settings settings;

  TableWriteTest(LocalS3Server server) {
    this.server = server;
    this.settings = LocalS3.settings(server).build();
  }

  private S3 client() {
    return S3.builder().settings(settings).environment(Map.of()).build();
  }

  private String table(String name) {
    return LocalS3.root(server, "tables/" + name + "/");
  }

  private static TableWrite.Committed write(S3Settings settings, String table, TableWrite.Mode mode,
      Map<String, String> objects) {
    TableWrite w = TableWrite.begin(settings, table, mode);
    try (S3 s3 = S3.builder().settings(settings).environment(Map.of()).build()) {
      AttemptWriter a = w.openAttempt(s3, "t0");
      objects.forEach((name, text) -> a.write(name, text.getBytes(), "text/plain"));
      return w.commit(a.written());
    }
  }

  @Test
  void inFlightWorkIsInvisibleUntilCommitAndOnlyCommittedObjectsAreShown() {
    String t = table("first");
    try (S3 s3 = client()) {
      s3.put(t + "country=US/other-tool.txt", "old");
      TableWrite w = TableWrite.begin(settings, t, TableWrite.Mode.APPEND);
      AttemptWriter a = w.openAttempt(s3, "t0");
      a.write("country=US/new.txt", "new".getBytes(), "text/plain");
      assertEquals(List.of(), visible(s3, t), "in-flight work is invisible; a record shows only its commits");
      assertEquals(List.of(), visible(s3, t + "country=US/"), "from a sub-prefix too");
      w.commit(a.written());
      assertEquals(List.of("new"), visible(s3, t));
      assertTrue(s3.listPaths(List.of(t + TableWrite.OBJECTS_FOLDER + "_delta_log/")).size() >= 2,
          "the record is a Delta log in a hidden folder");
      assertThrows(MetaflowS3Exception.class, () -> TableWrite.begin(settings, t, TableWrite.Mode.APPEND,
          ChildWriter.LAYOUT), "rows are not written where objects are");
    }
  }

  @Test
  void overwritesReplaceWhatReadersOfAnyPrefixSeeAndAVacuumDeletesWhatTheyReplaced() {
    String t = table("overwrite");
    try (S3 s3 = client()) {
      write(settings, t, TableWrite.Mode.APPEND, Map.of("country=US/a.txt", "US1", "country=DE/a.txt", "DE1"));
      write(settings, t, TableWrite.Mode.OVERWRITE, Map.of("country=US/a.txt", "US2"));
      assertEquals(List.of("US2"), visible(s3, t));
      assertEquals(List.of("US2"), visible(s3, t + "country=US/"), "a sub-prefix honours the record above it");
      assertEquals(List.of("DE1", "US1", "US2"), plain(s3, t).stream().sorted().toList(),
          "removes are logical: nothing deleted yet");

      write(settings, t, TableWrite.Mode.APPEND, Map.of("country=FR/a.txt", "FR1"));
      write(settings, t, TableWrite.Mode.OVERWRITE_PARTITIONS, Map.of("country=FR/b.txt", "FR2"));
      assertEquals(List.of("FR2", "US2"), visible(s3, t), "dynamic overwrite replaces only the folders written");
      Vacuum.vacuum(settings, t, Duration.ZERO, true);
      assertEquals(visible(s3, t), plain(s3, t), "after a vacuum plain readers agree");
    }
  }

  @Test
  void duplicateNamesFailTheWholeWriteAndAbortsLeaveNothing() {
    String t = table("duplicates");
    try (S3 s3 = client()) {
      write(settings, t, TableWrite.Mode.APPEND, Map.of("k", "before"));
      TableWrite w = TableWrite.begin(settings, t, TableWrite.Mode.APPEND);
      AttemptWriter one = w.openAttempt(s3, "b1");
      AttemptWriter two = w.openAttempt(s3, "b2");
      one.write("model.json", "1".getBytes(), null);
      two.write("model.json", "2".getBytes(), null);
      List<WrittenObject> both = new ArrayList<>(one.written());
      both.addAll(two.written());
      MetaflowS3Exception e = assertThrows(MetaflowS3Exception.class, () -> w.commit(both));
      assertTrue(e.getMessage().contains("'model.json'"), e.getMessage());
      assertEquals(List.of("before"), visible(s3, t));
      assertEquals(List.of("before"), plain(s3, t), "the failed write's objects were deleted");

      TableWrite committed = TableWrite.begin(settings, t, TableWrite.Mode.APPEND);
      AttemptWriter a = committed.openAttempt(s3, "t0");
      a.write("x", "x".getBytes(), null);
      AttemptWriter failedAttempt = committed.openAttempt(s3, "t1");
      failedAttempt.write("x", "debris".getBytes(), null);
      TableWrite.Committed first = committed.commit(a.written());
      AttemptWriter again = committed.openAttempt(s3, "t2");
      again.write("x", "x again".getBytes(), null);
      assertEquals(first, committed.commit(again.written()),
          "a re-executed commit returns the version and files its first execution committed");
      committed.abort();
      assertEquals(List.of("before", "x"), visible(s3, t), "abort after commit keeps the commit");
      assertEquals(visible(s3, t), plain(s3, t), "abort deleted the failed attempt's object");
    }
  }

  /**
   * A write drops the empty table it created (the creation must not stand) just as another writer, which read
   * version 0 before the drop, commits version 1: version 0 is put back, so that writer's commit stays readable.
   * A writer whose version 1 lands after the drop's second look puts version 0 back itself.
   */
  @Test
  void droppingATableJustCreatedKeepsItForAWriterThatCommittedMeanwhile() {
    String t = table("dropped-while-committed");
    try (S3 s3 = client()) {
      TableWrite creator = TableWrite.begin(settings, t, TableWrite.Mode.APPEND);
      write(settings, t, TableWrite.Mode.APPEND, Map.of("a", "other writer's"));
      String log = t + TableWrite.OBJECTS_FOLDER + DeltaTable.LOG_FOLDER;
      Map<String, byte[]> versionOne = new TreeMap<>(); // its commit and its checksum
      for (S3Object o : s3.listRecursive(List.of(log + "00000000000000000001."))) {
        versionOne.put(o.url(), s3.get(o.url()).blob());
        s3.delete(o.url());
      }
      new FirstVersion(s3, creator.record()).dropVersionZero(() -> versionOne.forEach(s3::put));
      assertEquals(List.of("other writer's"), visible(s3, t));

      String late = table("dropped-before-committed");
      TableWrite lateWriter = TableWrite.begin(settings, late, TableWrite.Mode.APPEND);
      AttemptWriter a = lateWriter.openAttempt(s3, "t0");
      a.write("b", "late".getBytes(), null);
      String lateLog = late + TableWrite.OBJECTS_FOLDER + DeltaTable.LOG_FOLDER;
      lateWriter.commit(a.written(), () -> s3.delete(lateLog + "00000000000000000000.json"));
      assertEquals(List.of("late"), visible(s3, late), "the writer put version 0 back under its version 1");

      String empty = table("dropped-empty");
      TableWrite alone = TableWrite.begin(settings, empty, TableWrite.Mode.APPEND);
      new DeltaCommit(alone, s3).dropIfEmpty();
      assertEquals(List.of(), s3.listRecursive(List.of(empty)), "an empty table just created leaves nothing");
    }
  }

  /**
   * An engine that lost the commit's answer aborts the write after another writer overwrote the table: the
   * version it did commit still names its object (time travel), so only the failed attempt's object goes.
   */
  @Test
  void anAbortKeepsWhatAnyVersionSinceTheWriteBeganNamesThoughOverwrittenSince() {
    String t = table("abort-after-overwrite");
    try (S3 s3 = client()) {
      TableWrite w = TableWrite.begin(settings, t, TableWrite.Mode.APPEND);
      AttemptWriter a = w.openAttempt(s3, "t0");
      a.write("x", "x".getBytes(), null);
      AttemptWriter failedAttempt = w.openAttempt(s3, "t1");
      failedAttempt.write("x", "debris".getBytes(), null);
      long version = w.commit(a.written()).version();
      write(settings, t, TableWrite.Mode.OVERWRITE, Map.of("y", "y"));
      w.abort();
      assertEquals(List.of("y"), visible(s3, t));
      assertEquals(List.of("x", "y"), plain(s3, t).stream().sorted().toList(),
          "the object version " + version + " names stays for its readers; the failed attempt's is deleted");
    }
  }

  /**
   * The caller's transaction id: a rerun at the same or an older version adds nothing, a newer one commits; a
   * re-executed commit reports its first execution's files (in a location whose name needs escaping in a URI).
   */
  @Test
  void aWriteUnderTheCallersTransactionIdCommitsOncePerVersion() {
    String t = table("caller transaction #1");
    try (S3 s3 = client()) {
      java.util.function.BiFunction<String, Long, TableWrite.Committed> run = (text, version) -> {
        TableWrite w = TableWrite.begin(settings, t, TableWrite.Mode.APPEND).withTransaction("nightly", version);
        AttemptWriter a = w.openAttempt(s3, "t0");
        a.write(text + ".txt", text.getBytes(), null);
        TableWrite.Committed committed = w.commit(a.written());
        AttemptWriter again = w.openAttempt(s3, "t1");
        again.write(text + ".txt", text.getBytes(), null);
        assertEquals(committed, w.commit(again.written()), "a re-executed commit");
        return committed;
      };
      TableWrite.Committed first = run.apply("first", 1L);
      assertEquals(1, first.urls().size());
      assertEquals("first", s3.get(first.urls().get(0)).text(), "the URL names the committed object");
      assertEquals(List.of(), run.apply("rerun", 1L).urls(), "a rerun of version 1 commits nothing");
      assertEquals(List.of(), run.apply("older", 0L).urls(), "nor does an older version");
      assertEquals(1, run.apply("second", 2L).urls().size());
      assertEquals(List.of("first", "second"), visible(s3, t));
      TableWrite streaming = TableWrite.begin(settings, t, TableWrite.Mode.APPEND).withTransaction("nightly", 3);
      assertThrows(IllegalStateException.class, () -> streaming.commitPart(List.of(), "window 1"));
      assertThrows(IllegalArgumentException.class, () -> streaming.withTransaction("", 1));
      assertThrows(IllegalArgumentException.class, () -> streaming.withTransaction("nightly", -1));
    }
  }

  /** A part of a streaming write failing on two files of one name loses no other part's files. */
  @Test
  void aPartWithTwoFilesOfOneNameFailsAloneAndTheOtherPartsCommit() {
    String t = table("parts");
    try (S3 s3 = client()) {
      TableWrite w = TableWrite.begin(settings, t, TableWrite.Mode.APPEND);
      AttemptWriter waiting = w.openAttempt(s3, "later-window");
      waiting.write("later.txt", "later".getBytes(), null);
      AttemptWriter one = w.openAttempt(s3, "b1");
      AttemptWriter two = w.openAttempt(s3, "b2");
      one.write("same.txt", "1".getBytes(), null);
      two.write("same.txt", "2".getBytes(), null);
      List<WrittenObject> both = new ArrayList<>(one.written());
      both.addAll(two.written());
      MetaflowS3Exception e = assertThrows(MetaflowS3Exception.class, () -> w.commitPart(both, "window 1"));
      assertTrue(e.getMessage().contains("'same.txt'"), e.getMessage());
      TableWrite.Committed later = w.commitPart(waiting.written(), "window 2");
      assertEquals(List.of("later"), visible(s3, t), "the waiting part's file was not deleted");
      assertEquals(later, w.commitPart(waiting.written(), "window 2"), "a retried part reports its version again");
    }
  }

  @Test
  void readsPlannedWhileWritersCommitSeeWholeVersionsOnly() throws Exception {
    String t = table("read-while-writing");
    int appends = 25;
    write(settings, t, TableWrite.Mode.APPEND, Map.of());
    ExecutorService writer = Executors.newSingleThreadExecutor();
    Future<?> writing = writer.submit(() -> {
      for (int i = 0; i < appends; i++) {
        write(settings, t, TableWrite.Mode.APPEND, Map.of(String.format("country=C%d/v%02d.txt", i % 3, i), "v" + i));
      }
    });
    List<Integer> seen = new ArrayList<>();
    try (S3 s3 = client()) {
      while (!writing.isDone()) {
        seen.add(new ReadPlanner(s3).listPrefixes(List.of(t), PartitionFilter.ALL).size());
      }
      writing.get();
      seen.add(new ReadPlanner(s3).listPrefixes(List.of(t), PartitionFilter.ALL).size());
    } finally {
      writer.shutdown();
    }
    for (int i = 1; i < seen.size(); i++) {
      assertTrue(seen.get(i) >= seen.get(i - 1), "versions only move forward: " + seen);
    }
    assertEquals(appends, seen.get(seen.size() - 1));
    assertTrue(seen.size() > 3, "reads overlapped the commits: " + seen);
  }

  @Test
  void racingWritersCommitInSomeSerialOrderAndNoAppendIsLost() throws Exception {
    String t = table("race");
    write(settings, t, TableWrite.Mode.APPEND, Map.of());
    int writers = 6;
    int rounds = 4;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    // A commit: its name (o: an overwrite by writer 0, a: an append) and the version its write began from.
    record Landed(String name, long base) {}
    List<Future<Map<Long, Landed>>> results = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      int id = w;
      results.add(pool.submit(() -> {
        Map<Long, Landed> versions = new TreeMap<>();
        for (int r = 0; r < rounds; r++) {
          TableWrite.Mode mode = id == 0 && r % 2 == 1 ? TableWrite.Mode.OVERWRITE : TableWrite.Mode.APPEND;
          String name = (mode == TableWrite.Mode.OVERWRITE ? "o" : "a") + "w" + id + "-r" + r;
          TableWrite write = TableWrite.begin(settings, t, mode);
          try (S3 s3 = client()) {
            AttemptWriter a = write.openAttempt(s3, "t0");
            a.write(name, name.getBytes(), "text/plain");
            versions.put(write.commit(a.written()).version(), new Landed(name, write.baseVersion()));
          }
        }
        return versions;
      }));
    }
    TreeMap<Long, Landed> versions = new TreeMap<>();
    for (Future<Map<Long, Landed>> f : results) {
      versions.putAll(f.get());
    }
    pool.shutdown();
    assertEquals(writers * rounds, versions.size(), "every commit got a version of its own");
    // The last overwrite replaced what the version it began from held; every append after that version stays,
    // also those that landed while the overwrite ran (Delta's WriteSerializable order).
    long lastOverwrite = versions.descendingMap().entrySet().stream()
        .filter(e -> e.getValue().name().startsWith("o")).findFirst().orElseThrow().getKey();
    long base = versions.get(lastOverwrite).base();
    List<String> expected = new ArrayList<>();
    versions.forEach((version, landed) -> {
      if (version == lastOverwrite || version > base && landed.name().startsWith("a")) {
        expected.add(landed.name());
      }
    });
    try (S3 s3 = client()) {
      assertEquals(expected.stream().sorted().toList(), visible(s3, t));
    }
  }

  @Test
  void aNewReaderReadsKernelsCheckpointAndTheVersionsAfterIt() {
    String t = table("checkpoint");
    for (int i = 1; i <= 25; i++) {
      write(settings, t, TableWrite.Mode.APPEND, Map.of(String.format("country=C%d/v%02d.txt", i % 3, i), "v" + i));
    }
    try (S3 s3 = client()) {
      String log = t + TableWrite.OBJECTS_FOLDER + "_delta_log/";
      assertTrue(s3.get(log + "_last_checkpoint").text().contains("\"version\":20"), "checkpoints every 10");
      List<String> all = visible(s3, t);
      assertEquals(25, all.size());
      // The checkpoint stands for every version before it: with those deleted, a new reader still sees everything.
      List<String> old = new ArrayList<>();
      for (S3Object f : s3.listPaths(List.of(log))) {
        String name = f.url().substring(log.length());
        if (name.endsWith(".json") && !name.startsWith("_") && Long.parseLong(name.substring(0, 20)) < 20) {
          old.add(f.url());
        }
      }
      s3.deleteMany(old);
      assertEquals(all, visible(s3, t));
      write(settings, t, TableWrite.Mode.APPEND, Map.of("country=C0/after.txt", "after"));
      assertEquals(26, visible(s3, t).size(), "and the next commit lands on top");
    }
  }
}
