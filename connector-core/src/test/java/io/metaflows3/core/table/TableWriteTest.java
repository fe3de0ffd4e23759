package io.metaflows3.core.table;

import static io.metaflows3.core.table.TableReads.plain;
import static io.metaflows3.core.table.TableReads.visible;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.metaflows3.core.GetOption;
import io.metaflows3.core.LocalS3;
import io.metaflows3.core.MetaflowS3Exception;
import io.metaflows3.core.S3;
import io.metaflows3.core.S3Settings;
import io.metaflows3.local.FaultProxy;
import io.metaflows3.local.LocalS3Extension;
import io.metaflows3.local.LocalS3Server;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The commit log: what readers see before, during and after writes, alone and racing. */
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
  void theFirstWriteAdoptsWhatOtherToolsWroteAndHidesItsOwnWorkUntilCommit() {
    String t = table("adopt");
    try (S3 s3 = client()) {
      for (int i = 0; i < 3; i++) {
        s3.put(t + "country=US/other-tool-" + i + ".txt", "old" + i);
      }
      s3.put(t + "_SUCCESS", "");
      TableWrite w = TableWrite.begin(settings, t, TableWrite.Mode.APPEND);
      AttemptWriter a = w.openAttempt(s3, "t0");
      a.write("country=US/new.txt", "new".getBytes(), "text/plain");
      assertEquals(List.of("old0", "old1", "old2"), visible(s3, t), "in-flight work is invisible");
      assertEquals(List.of("old0", "old1", "old2"), visible(s3, t + "country=US/"), "from a sub-prefix too");
      w.commit(a.written());
      assertEquals(List.of("new", "old0", "old1", "old2"), visible(s3, t), "append keeps the adopted objects");
      write(settings, t, TableWrite.Mode.APPEND, Map.of());
      assertEquals(4, visible(s3, t).size(), "an empty append hides nothing");
      s3.put(t + "country=US/late-other-tool.txt", "late");
      assertEquals(4, visible(s3, t).size(), "once a table has a log, only committed objects are visible");
    }
  }

  @Test
  void overwritesReplaceWhatReadersOfAnyPrefixSeeAndDeleteWhatTheyReplaced() {
    String t = table("overwrite");
    try (S3 s3 = client()) {
      write(settings, t, TableWrite.Mode.APPEND, Map.of("country=US/a.txt", "US1", "country=DE/a.txt", "DE1"));
      write(settings, t, TableWrite.Mode.OVERWRITE, Map.of("country=US/a.txt", "US2"));
      assertEquals(List.of("US2"), visible(s3, t));
      assertEquals(List.of("US2"), visible(s3, t + "country=US/"), "a sub-prefix honours the log above it");
      assertEquals(visible(s3, t), plain(s3, t), "replaced objects were deleted: plain readers agree");

      write(settings, t, TableWrite.Mode.APPEND, Map.of("country=FR/a.txt", "FR1"));
      write(settings, t, TableWrite.Mode.OVERWRITE_PARTITIONS, Map.of("country=FR/b.txt", "FR2"));
      assertEquals(List.of("FR2", "US2"), visible(s3, t), "dynamic overwrite replaces only the partitions written");
      assertEquals(visible(s3, t), plain(s3, t));
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
      long version = committed.commit(a.written()).version();
      assertEquals(version, committed.commit(a.written()).version(), "a retried commit returns its version");
      committed.abort();
      assertEquals(List.of("before", "x"), visible(s3, t), "abort after commit keeps the commit");
      assertEquals(visible(s3, t), plain(s3, t), "the failed attempt's object was deleted at commit");
    }
  }

  @Test
  void readsPlannedWhileWritersCommitSeeWholeVersionsOnly() throws Exception {
    String t = table("read-while-writing");
    int appends = 25;
    ExecutorService writer = Executors.newSingleThreadExecutor();
    Future<?> writing = writer.submit(() -> {
      for (int i = 0; i < appends; i++) {
        write(settings, t, TableWrite.Mode.APPEND, Map.of(String.format("country=C%d/v%02d.txt", i % 3, i), "v" + i));
      }
    });
    List<Integer> seen = new ArrayList<>();
    try (S3 s3 = client()) {
      while (!writing.isDone()) {
        if (new TableLog(s3, t).exists()) {
          seen.add(new ReadPlanner(s3).listPrefixes(List.of(t), PartitionFilter.ALL).size());
        }
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
  void racingWritersCommitInSomeSerialOrder() throws Exception {
    String t = table("race");
    int writers = 6;
    int rounds = 4;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    List<Future<List<Long>>> results = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      int id = w;
      results.add(pool.submit(() -> {
        List<Long> versions = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
          TableWrite.Mode mode = id == 0 && r % 2 == 1 ? TableWrite.Mode.OVERWRITE : TableWrite.Mode.APPEND;
          versions.add(write(settings, t, mode, Map.of("w" + id + "-r" + r, "w" + id + "-r" + r)).version());
        }
        return versions;
      }));
    }
    TreeSet<Long> versions = new TreeSet<>();
    for (Future<List<Long>> f : results) {
      versions.addAll(f.get());
    }
    pool.shutdown();
    assertEquals(writers * rounds, versions.size(), "every commit got a version of its own");
    try (S3 s3 = client()) {
      TableSnapshot snapshot = new TableLog(s3, t).snapshot();
      assertEquals(versions.last(), snapshot.version());
      // Replaying the log serially gives what readers see: the last overwrite and every append after it.
      List<String> expected = new ArrayList<>();
      for (String key : snapshot.live().keySet()) {
        expected.add(key.substring(0, key.indexOf('-', key.indexOf("-r") + 1)));
      }
      assertEquals(expected, visible(s3, t));
      assertEquals(visible(s3, t), plain(s3, t), "superseded objects of every commit were deleted");
    }
  }

  @Test
  void aNewReaderReadsTheNewestCheckpointAndTheVersionsAfterIt() {
    String t = table("checkpoint");
    TableWrite last = null;
    List<WrittenObject> lastWritten = null;
    for (int i = 1; i <= TableLog.CHECKPOINT_EVERY; i++) { // version 0 adopts, so the last commit is version 100
      TableWrite.Mode mode = i == 40 ? TableWrite.Mode.OVERWRITE
          : i == 70 ? TableWrite.Mode.OVERWRITE_PARTITIONS : TableWrite.Mode.APPEND;
      last = TableWrite.begin(settings, t, mode);
      try (S3 s3 = client()) {
        AttemptWriter a = last.openAttempt(s3, "t0");
        a.write(String.format("country=C%d/v%03d.txt", i % 3, i), ("v" + i).getBytes(), "text/plain");
        lastWritten = a.written();
        assertEquals(i, last.commit(lastWritten).version());
      }
    }
    String log = t + TableLog.FOLDER;
    List<String> expected;
    try (S3 s3 = client()) {
      assertTrue(s3.info(log + "00000000000000000100.checkpoint.tsv", GetOption.RETURN_MISSING).exists(),
          "the 100th version's committer stored a checkpoint");
      assertFalse(s3.info(log + "00000000000000000099.checkpoint.tsv", GetOption.RETURN_MISSING).exists(),
          "only every 100th");
      expected = visible(s3, t);
      assertEquals(51, expected.size(), "1 after the overwrite at 40, 21 after the one of C1 at 70: " + expected);
      List<TableVersion> versions = new ArrayList<>();
      for (long v = 0; v <= TableLog.CHECKPOINT_EVERY; v++) {
        versions.add(TableVersion.parse(v, s3.get(String.format("%s%020d.tsv", log, v)).text(), t));
      }
      TableSnapshot replayed = TableSnapshot.empty(t).then(versions);
      TableSnapshot fromCheckpoint = new TableLog(s3, t).snapshot();
      assertEquals(new TableSnapshot(t, TableLog.CHECKPOINT_EVERY, replayed.live(), replayed.writes(), Set.of()),
          fromCheckpoint, "the checkpoint holds what replaying every version gives, with nothing left to delete");
      assertEquals(49, replayed.superseded().size(), "replaying names every key ever removed");
      assertEquals(expected, plain(s3, t), "and every one of them was deleted");
    }
    try (S3 s3 = client()) { // a new client: nothing of the log cached
      s3.deleteMany(LongStream.rangeClosed(0, TableLog.CHECKPOINT_EVERY)
          .mapToObj(v -> String.format("%s%020d.tsv", log, v)).toList());
      assertEquals(expected, visible(s3, t), "with the versions it stands for gone, the checkpoint still shows them");
      assertEquals(TableLog.CHECKPOINT_EVERY, last.commit(lastWritten).version(),
          "a retried commit finds its version in the checkpoint");
      write(settings, t, TableWrite.Mode.APPEND, Map.of("country=C0/after.txt", "after"));
      List<String> after = new ArrayList<>(expected);
      after.add("after");
      assertEquals(new TreeSet<>(after), new TreeSet<>(visible(s3, t)), "the next commit lands on top");
      assertEquals(visible(s3, t), plain(s3, t));

      s3.put(log + "00000000000000000200.checkpoint.tsv", "not a checkpoint");
      MetaflowS3Exception e = assertThrows(MetaflowS3Exception.class, () -> visible(s3, t));
      assertTrue(e.getMessage().contains("not a table log checkpoint"), e.getMessage());
      s3.put(log + "00000000000000000300.checkpoint.tsv", TableCheckpoint.HEADER + "\nversion\t300\nbogus\t1\n");
      e = assertThrows(MetaflowS3Exception.class, () -> visible(s3, t));
      assertTrue(e.getMessage().contains("unknown table log checkpoint line 3: bogus"), e.getMessage());
      s3.put(log + "00000000000000000300.checkpoint.tsv", TableCheckpoint.HEADER + "\nversion\t300\nlive\tx\tk\n");
      e = assertThrows(MetaflowS3Exception.class, () -> visible(s3, t));
      assertTrue(e.getMessage().contains("malformed table log checkpoint line 3"), e.getMessage());
    }
  }

  @Test
  void aCheckpointKeepsTheKeysItsCommitCouldNotDeleteAndTheNextCommitDeletesThem() {
    String t = table("checkpoint-unclean");
    for (int i = 1; i < TableLog.CHECKPOINT_EVERY; i++) {
      write(settings, t, TableWrite.Mode.APPEND, Map.of("v" + i + ".txt", "v" + i));
    }
    try (FaultProxy proxy = FaultProxy.start(server.endpoint(), 1)) {
      proxy.onlyFor(r -> r.method().equals("POST") && r.target().contains("delete"))
          .rates(new FaultProxy.Rates(0, 1, 0, 0, 0, 0));
      S3Settings deletesFail = LocalS3.settings(server).endpoint(proxy.endpoint().toString()).maxAttempts(1).build();
      TableWrite.Committed overwrite = write(deletesFail, t, TableWrite.Mode.OVERWRITE, Map.of("last.txt", "last"));
      assertEquals(TableLog.CHECKPOINT_EVERY, overwrite.version());
      assertFalse(overwrite.cleanedUp());
    }
    try (S3 s3 = client()) {
      assertEquals(List.of("last"), visible(s3, t));
      assertEquals(TableLog.CHECKPOINT_EVERY, plain(s3, t).size(), "the 99 replaced objects are still there");
      TableSnapshot fromCheckpoint = new TableLog(s3, t).snapshot();
      assertEquals(TableLog.CHECKPOINT_EVERY - 1, fromCheckpoint.superseded().size(),
          "the checkpoint still names them as to be deleted");
      write(settings, t, TableWrite.Mode.APPEND, Map.of("next.txt", "next"));
      assertEquals(List.of("last", "next"), visible(s3, t));
      assertEquals(visible(s3, t), plain(s3, t), "the next commit deleted them");
    }
  }
}
