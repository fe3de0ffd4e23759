package io.metaflows3.core.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.metaflows3.core.LocalS3;
import io.metaflows3.core.metaflow.MetaflowS3Exception;
import io.metaflows3.core.metaflow.MetaflowS3URLException;
import io.metaflows3.core.api.ObjectRange;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Object;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.local.FaultProxy;
import io.metaflows3.local.LocalS3Extension;
import io.metaflows3.local.LocalS3Server;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Delta tables written through core: commits exactly once (retried, re-executed, answers lost), overwrites that
 * remove logically, nested tables refused, and what the planner reads from the log. The bytes stored here are
 * not Parquet: the commit protocol does not read data files (engines' tests store real ones).
 */
@ExtendWith(LocalS3Extension.class)
class DeltaWriteTest {
  private static final TableLayout LAYOUT = ChildWriter.LAYOUT;
  private final LocalS3Server server;
  private final S3Settings settings;

  DeltaWriteTest(LocalS3Server server) {
    this.server = server;
    this.settings = LocalS3.settings(server).build();
  }

  private S3 client() {
    return S3.builder().settings(settings).environment(Map.of()).build();
  }

  private String table(String name) {
    return LocalS3.root(server, "delta/" + name + "/");
  }

  /** One task attempt's files: name to text, in the partition its folder names. */
  private static List<WrittenObject> attempt(TableWrite w, S3 s3, String attemptId, Map<String, String> files) {
    AttemptWriter a = w.openAttempt(s3, attemptId);
    List<WrittenObject> written = new ArrayList<>();
    files.forEach((name, text) -> {
      WrittenObject o = a.write(name, text.getBytes(), "application/octet-stream");
      Map<String, String> partition = new HashMap<>();
      partition.put("country", name.substring(name.indexOf('=') + 1, name.indexOf('/')));
      written.add(new WrittenObject(o.name(), o.key(), o.size(), partition, null));
    });
    return written;
  }

  private TableWrite.Committed write(String t, TableWrite.Mode mode, Map<String, String> files) {
    TableWrite w = TableWrite.begin(settings, t, mode, LAYOUT);
    try (S3 s3 = client()) {
      return w.commit(attempt(w, s3, "t0", files));
    }
  }

  /** Deletes the table's log, as a user dropping the table by hand does. */
  private static void deleteLog(S3 s3, String table) {
    s3.deleteMany(s3.listRecursive(List.of(table + DeltaTable.LOG_FOLDER)).stream().map(S3Object::url).toList());
  }

  /** Country to the texts of its files, as the planner shows the table's newest snapshot. */
  private static Map<String, List<String>> read(S3 s3, String location) {
    return rows(s3, new ReadPlanner(s3), location);
  }

  private static Map<String, List<String>> readAt(S3 s3, String location, long version) {
    return rows(s3, new ReadPlanner(s3).at(new ReadPlanner.SnapshotChoice(version, null)), location);
  }

  private static Map<String, List<String>> rows(S3 s3, ReadPlanner planner, String location) {
    Map<String, List<String>> rows = new TreeMap<>();
    for (ObjectRange o : planner.listPrefixes(List.of(location), PartitionFilter.ALL)) {
      rows.computeIfAbsent(o.partitionValues().get("country"), c -> new ArrayList<>()).add(s3.get(o.url()).text());
    }
    rows.values().forEach(l -> l.sort(null));
    return rows;
  }

  @Test
  void appendsOverwritesAndPartitionOverwritesAreDeltaVersions() {
    String t = table("modes");
    try (S3 s3 = client()) {
      // Version 0 is the empty table, created when the first write begins.
      assertEquals(1, write(t, TableWrite.Mode.APPEND, Map.of("country=US/a", "US1", "country=DE/a", "DE1")).version());
      assertEquals(2, write(t, TableWrite.Mode.APPEND, Map.of("country=US/b", "US2")).version());
      assertEquals(Map.of("DE", List.of("DE1"), "US", List.of("US1", "US2")), read(s3, t));
      assertEquals(Map.of("US", List.of("US1", "US2")), read(s3, t + "country=US/"), "a partition's folder");
      write(t, TableWrite.Mode.OVERWRITE_PARTITIONS, Map.of("country=US/c", "US3", "country=FR/a", "FR1"));
      assertEquals(Map.of("DE", List.of("DE1"), "FR", List.of("FR1"), "US", List.of("US3")), read(s3, t));
      write(t, TableWrite.Mode.OVERWRITE, Map.of("country=IT/a", "IT1"));
      assertEquals(Map.of("IT", List.of("IT1")), read(s3, t));
      // Removes are logical: every file an older snapshot names is still there.
      long stored = s3.listRecursive(List.of(t)).stream().filter(o -> !o.url().contains("_delta_log/")).count();
      assertEquals(6, stored);
      assertEquals(Map.of("DE", List.of("DE1"), "US", List.of("US1", "US2")),
          readAt(s3, t, 2), "time travel to version 2");
      assertEquals(Map.of(), readAt(s3, t, 0), "version 0: the empty table");
      String v1 = s3.get(t + "_delta_log/00000000000000000001.json").text();
      assertTrue(v1.contains("\"txn\""), "the commit carries the write's transaction id: " + v1);
      assertTrue(v1.contains("\"partitionValues\":{\"country\":\"US\"}"), v1);
    }
  }

  @Test
  void anOverwriteOfTheFilteredPartitionsReplacesThoseOnly() {
    String t = table("replacing");
    try (S3 s3 = client()) {
      write(t, TableWrite.Mode.APPEND, Map.of("country=US/a", "US1", "country=DE/a", "DE1", "country=FR/a", "FR1"));
      TableWrite w = TableWrite.beginReplacing(settings, t, LAYOUT,
          PartitionFilter.in("country", List.of("US", "DE")), java.time.ZoneOffset.UTC);
      assertEquals(TableWrite.Mode.OVERWRITE_WHERE, w.mode());
      w.commit(attempt(w, s3, "t0", Map.of("country=US/b", "US2")));
      assertEquals(Map.of("FR", List.of("FR1"), "US", List.of("US2")), read(s3, t),
          "US and DE replaced (DE by nothing), FR kept");
      TableWrite none = TableWrite.beginReplacing(settings, t, LAYOUT,
          PartitionFilter.compare("country", PartitionFilter.Op.EQ, "IT"), java.time.ZoneOffset.UTC);
      none.commit(attempt(none, s3, "t0", Map.of("country=IT/a", "IT1")));
      assertEquals(Map.of("FR", List.of("FR1"), "IT", List.of("IT1"), "US", List.of("US2")), read(s3, t));
      assertThrows(IllegalArgumentException.class, () -> TableWrite.begin(settings, t,
          TableWrite.Mode.OVERWRITE_WHERE, LAYOUT), "an overwrite of some partitions names them");
    }
  }

  @Test
  void anOverwriteKeepsAnAppendThatLandedWhileItRanAndRefusesToMixWithAnotherOverwrite() {
    String t = table("concurrent");
    try (S3 s3 = client()) {
      write(t, TableWrite.Mode.APPEND, Map.of("country=US/a", "US1", "country=DE/a", "DE1"));
      // Each mode replaces what it replaces in the version it began from; an append committed meanwhile stays
      // (Delta's WriteSerializable: the append comes after the overwrite).
      for (TableWrite.Mode mode : List.of(TableWrite.Mode.OVERWRITE, TableWrite.Mode.OVERWRITE_PARTITIONS)) {
        TableWrite overwrite = TableWrite.begin(settings, t, mode, LAYOUT);
        List<WrittenObject> files = attempt(overwrite, s3, "t0", Map.of("country=US/o", "US-" + mode));
        write(t, TableWrite.Mode.APPEND, Map.of("country=US/late", "US-late-" + mode));
        overwrite.commit(files);
        List<String> us = read(s3, t).get("US");
        assertEquals(List.of("US-" + mode, "US-late-" + mode), us, mode + " keeps the append it never read");
      }
      TableWrite replacing = TableWrite.beginReplacing(settings, t, LAYOUT,
          PartitionFilter.compare("country", PartitionFilter.Op.EQ, "US"), java.time.ZoneOffset.UTC);
      List<WrittenObject> replacingFiles = attempt(replacing, s3, "t0", Map.of("country=US/r", "US-r"));
      write(t, TableWrite.Mode.APPEND, Map.of("country=US/later", "US-later"));
      replacing.commit(replacingFiles);
      assertEquals(List.of("US-later", "US-r"), read(s3, t).get("US"));

      // Two overwrites of the same partition begun from one version: the second to commit is refused, typed.
      Map<String, List<String>> before = read(s3, t);
      TableWrite first = TableWrite.begin(settings, t, TableWrite.Mode.OVERWRITE_PARTITIONS, LAYOUT);
      TableWrite second = TableWrite.begin(settings, t, TableWrite.Mode.OVERWRITE_PARTITIONS, LAYOUT);
      List<WrittenObject> secondFiles = attempt(second, s3, "t0", Map.of("country=US/s", "US-second"));
      long won = first.commit(attempt(first, s3, "t0", Map.of("country=US/f", "US-first"))).version();
      WriteConflictException conflict = assertThrows(WriteConflictException.class, () -> second.commit(secondFiles));
      assertEquals(won, conflict.conflictingVersion());
      assertTrue(conflict.getMessage().contains("removed rows it replaces"), conflict.getMessage());
      Map<String, List<String>> expected = new TreeMap<>(before);
      expected.put("US", List.of("US-first"));
      assertEquals(expected, read(s3, t), "the first overwrite's rows, none of the refused one's");

      // Into a partition neither saw (nothing to remove): the second is refused all the same.
      TableWrite a = TableWrite.begin(settings, t, TableWrite.Mode.OVERWRITE_PARTITIONS, LAYOUT);
      TableWrite b = TableWrite.begin(settings, t, TableWrite.Mode.OVERWRITE_PARTITIONS, LAYOUT);
      a.commit(attempt(a, s3, "t0", Map.of("country=NL/a", "NL-a")));
      List<WrittenObject> bFiles = attempt(b, s3, "t0", Map.of("country=NL/b", "NL-b"));
      assertTrue(assertThrows(WriteConflictException.class, () -> b.commit(bFiles)).getMessage()
          .contains("wrote rows into what it replaces"));
      assertEquals(List.of("NL-a"), read(s3, t).get("NL"));

      // Overwrites of other partitions do not conflict.
      TableWrite de = TableWrite.begin(settings, t, TableWrite.Mode.OVERWRITE_PARTITIONS, LAYOUT);
      TableWrite nl = TableWrite.begin(settings, t, TableWrite.Mode.OVERWRITE_PARTITIONS, LAYOUT);
      de.commit(attempt(de, s3, "t0", Map.of("country=DE/b", "DE2")));
      nl.commit(attempt(nl, s3, "t0", Map.of("country=NL/c", "NL-c")));
      assertEquals(List.of("DE2"), read(s3, t).get("DE"));
      assertEquals(List.of("NL-c"), read(s3, t).get("NL"));
    }
  }

  private static TableLayout layout(String... columns) {
    StringBuilder json = new StringBuilder("{\"type\":\"struct\",\"fields\":[");
    for (int i = 0; i < columns.length; i++) {
      String[] nameType = columns[i].split(" ");
      json.append(i > 0 ? "," : "").append("{\"name\":\"").append(nameType[0]).append("\",\"type\":\"")
          .append(nameType[1]).append("\",\"nullable\":true,\"metadata\":{}}");
    }
    return new TableLayout(json.append("]}").toString(), List.of("country"));
  }

  @Test
  void mergeSchemaAddsColumnsByTurningOnColumnMappingByName() {
    String t = table("merge");
    try (S3 s3 = client()) {
      write(t, TableWrite.Mode.APPEND, Map.of("country=US/a", "US1"));
      TableLayout wider = layout("extra string", "x long", "country string");
      MetaflowS3Exception unmerged = assertThrows(MetaflowS3Exception.class,
          () -> TableWrite.begin(settings, t, TableWrite.Mode.APPEND, wider));
      assertTrue(unmerged.getMessage().contains("mergeSchema adds columns"), unmerged.getMessage());
      TableWrite w = TableWrite.begin(settings, t, TableWrite.Mode.APPEND, wider, true);
      assertEquals(1, w.baseVersion());
      assertEquals("none", DeltaTable.at(s3, t).latest().orElseThrow().getTableProperties()
          .getOrDefault("delta.columnMapping.mode", "none"), "nothing changes before the commit");
      assertEquals(3, w.commit(attempt(w, s3, "t0", Map.of("country=FR/a", "FR1"))).version(),
          "version 2 turned column mapping on");
      io.delta.kernel.Snapshot merged = DeltaTable.at(s3, t).latest().orElseThrow();
      assertEquals(List.of("x", "country", "extra"), merged.getSchema().fieldNames(), "added at the end");
      assertEquals("name", merged.getTableProperties().get("delta.columnMapping.mode"));
      merged.getSchema().fields().forEach(f -> assertEquals(f.getName(),
          f.getMetadata().getString("delta.columnMapping.physicalName"), "files name columns as the schema does"));
      assertEquals(Map.of("FR", List.of("FR1"), "US", List.of("US1")), read(s3, t));
      // Narrower data merges into no change; a column of another type does not merge.
      TableWrite narrower = TableWrite.begin(settings, t, TableWrite.Mode.APPEND, layout("country string"), true);
      assertEquals(4, narrower.commit(attempt(narrower, s3, "t0", Map.of("country=DE/a", "DE1"))).version());
      assertEquals(3, DeltaTable.at(s3, t).latest().orElseThrow().getSchema().length());
      assertTrue(assertThrows(MetaflowS3Exception.class, () -> TableWrite.begin(settings, t, TableWrite.Mode.APPEND,
          layout("x string", "country string"), true)).getMessage().contains("the same types where both have"));
    }
  }

  @Test
  void anOverwriteIntoATableMadeAnewSinceItBeganIsRefused() {
    String t = table("remade");
    try (S3 s3 = client()) {
      write(t, TableWrite.Mode.APPEND, Map.of("country=US/a", "US1"));
      TableWrite overwrite = TableWrite.begin(settings, t, TableWrite.Mode.OVERWRITE, LAYOUT);
      List<WrittenObject> files = attempt(overwrite, s3, "t0", Map.of("country=US/o", "US-o"));
      deleteLog(s3, t);
      write(t, TableWrite.Mode.APPEND, Map.of("country=DE/a", "DE1"));
      write(t, TableWrite.Mode.APPEND, Map.of("country=FR/a", "FR1")); // the new table reaches version 2 too
      assertTrue(assertThrows(MetaflowS3Exception.class, () -> overwrite.commit(files)).getMessage()
          .contains("made anew"));
      assertEquals(Map.of("DE", List.of("DE1"), "FR", List.of("FR1")), read(s3, t), "the new table's rows stay");
    }
  }

  @Test
  void anAbortedFirstWriteLeavesAnEmptyTableThatNamesItsLogToAWriteOfAnotherLayout() {
    String t = table("first-write-aborted");
    try (S3 s3 = client()) {
      TableWrite failed = TableWrite.begin(settings, t, TableWrite.Mode.APPEND, layout("x string", "country string"));
      attempt(failed, s3, "t0", Map.of("country=US/a", "US1"));
      failed.abort();
      assertEquals(Map.of(), read(s3, t), "an empty table: nothing of the failed write is read");
      String refused = assertThrows(MetaflowS3Exception.class, () -> TableWrite.begin(settings, t,
          TableWrite.Mode.APPEND, LAYOUT)).getMessage();
      assertTrue(refused.contains("holds no rows") && refused.contains("_delta_log/"), refused);
      deleteLog(s3, t);
      write(t, TableWrite.Mode.APPEND, Map.of("country=US/b", "US2"));
      assertEquals(Map.of("US", List.of("US2")), read(s3, t));
    }
  }

  @Test
  void anAbortAfterItsCommitWasOverwrittenKeepsTheRowsThatVersionNames() {
    String t = table("aborted-after-overwrite");
    try (S3 s3 = client()) {
      TableWrite w = TableWrite.begin(settings, t, TableWrite.Mode.APPEND, LAYOUT);
      long version = w.commit(attempt(w, s3, "t0", Map.of("country=US/a", "US1"))).version();
      write(t, TableWrite.Mode.OVERWRITE, Map.of("country=DE/a", "DE1"));
      w.abort();
      assertEquals(Map.of("DE", List.of("DE1")), read(s3, t));
      assertEquals(Map.of("US", List.of("US1")), readAt(s3, t, version), "time travel reads what the abort kept");
    }
  }

  @Test
  void aCommitIntoATableDeletedSinceItBeganIsRefusedAndCreatesNothing() {
    String t = table("deleted");
    try (S3 s3 = client()) {
      write(t, TableWrite.Mode.APPEND, Map.of("country=US/a", "US1"));
      TableWrite append = TableWrite.begin(settings, t, TableWrite.Mode.APPEND, LAYOUT);
      List<WrittenObject> files = attempt(append, s3, "t0", Map.of("country=US/b", "US2"));
      deleteLog(s3, t);
      assertTrue(assertThrows(MetaflowS3Exception.class, () -> append.commit(files)).getMessage()
          .contains("deleted since this write began"));
      assertEquals(List.of(), s3.listRecursive(List.of(t + "_delta_log/")), "no table was made anew");
    }
  }

  @Test
  void aTableWhoseFilesNameColumnsOtherwiseIsRefused() {
    String t = table("mapped");
    try (S3 s3 = client()) {
      DeltaTable table = DeltaTable.at(s3, t);
      // Created with column mapping on, Kernel names each column's values col-<uuid> in the files.
      table.kernelTable().createTransactionBuilder(table.engine(), "test", io.delta.kernel.Operation.CREATE_TABLE)
          .withSchema(table.engine(), LAYOUT.schema()).withPartitionColumns(table.engine(), List.of("country"))
          .withTableProperties(table.engine(), Map.of("delta.columnMapping.mode", "name")).build(table.engine())
          .commit(table.engine(), io.delta.kernel.utils.CloseableIterable.emptyIterable());
      MetaflowS3Exception refused = assertThrows(MetaflowS3Exception.class, () -> read(s3, t));
      assertTrue(refused.getMessage().contains("columns stored under other names (x as col-"), refused.getMessage());
      // Nor written: our files would name the columns by the schema, where Delta's readers look for col-<uuid>.
      assertTrue(assertThrows(MetaflowS3Exception.class, () -> TableWrite.begin(settings, t,
          TableWrite.Mode.APPEND, LAYOUT)).getMessage().contains("neither reads nor writes"));
    }
  }

  @Test
  void aCommitReExecutedWithAnotherAttemptsFilesCommitsOnceAndDeletesNothing() {
    String t = table("reexecuted");
    try (S3 s3 = client()) {
      TableWrite w = TableWrite.begin(settings, t, TableWrite.Mode.OVERWRITE, LAYOUT);
      List<WrittenObject> first = attempt(w, s3, "a1", Map.of("country=US/part", "first"));
      assertEquals(1, w.commit(first).version());
      // A restarted job runs the write's tasks again and commits again (Flink after a failure past the commit).
      List<WrittenObject> second = attempt(w, s3, "a2", Map.of("country=US/part", "second"));
      w.commit(second);
      assertEquals(Map.of("US", List.of("first")), read(s3, t), "the first commit stands, once");
      assertEquals(2, s3.listPaths(List.of(t + "_delta_log/")).stream().filter(o -> o.url().endsWith(".json"))
          .count(), "the empty table and one commit: no second one");
      assertEquals("first", s3.get(t + first.get(0).key()).text(), "the committed file is not deleted");
    }
  }

  @Test
  void aLostAnswerToTheCommitIsSettledByTheLog() {
    String t = table("lost");
    try (FaultProxy proxy = FaultProxy.start(server.endpoint(), 7);
        S3 s3 = client()) {
      S3Settings lossy = LocalS3.settings(server).endpoint(proxy.endpoint().toString()).build();
      TableWrite w = TableWrite.begin(lossy, t, TableWrite.Mode.APPEND, LAYOUT);
      List<WrittenObject> files = attempt(w, s3, "t0", Map.of("country=US/a", "US1"));
      // Every answer to a PUT of a version is lost: the server creates it, the client never hears.
      proxy.loseAnswers(r -> r.method().equals("PUT") && r.target().contains("_delta_log/0"));
      w.commit(files);
      proxy.loseAnswers(r -> false);
      assertEquals(Map.of("US", List.of("US1")), read(s3, t));
      assertTrue(proxy.faults() > 0, "answers were lost");
      w.commit(files);
      assertEquals(Map.of("US", List.of("US1")), read(s3, t), "committed once");
    }
  }

  @Test
  void aLostAnswerToADataPutIsNotAnError() {
    String t = table("lostdata");
    try (FaultProxy proxy = FaultProxy.start(server.endpoint(), 7)) {
      S3Settings lossy = LocalS3.settings(server).endpoint(proxy.endpoint().toString()).build();
      TableWrite w = TableWrite.begin(settings, t, TableWrite.Mode.APPEND, LAYOUT);
      java.util.concurrent.atomic.AtomicInteger lost = new java.util.concurrent.atomic.AtomicInteger();
      proxy.loseAnswers(r -> r.method().equals("PUT") && r.target().contains("country") && lost.getAndIncrement() == 0);
      try (S3 s3 = S3.builder().settings(lossy).environment(Map.of()).build()) {
        List<WrittenObject> files = attempt(w, s3, "t0", Map.of("country=US/a", "US1"));
        w.commit(files);
        assertEquals(Map.of("US", List.of("US1")), read(s3, t));
      }
      assertEquals(1, proxy.faults());
    }
  }

  @Test
  void tablesInsideOrAroundTablesAreRefused() {
    String outer = table("nest/outer");
    write(outer, TableWrite.Mode.APPEND, Map.of("country=US/a", "US1"));
    MetaflowS3Exception inside = assertThrows(MetaflowS3Exception.class,
        () -> TableWrite.begin(settings, outer + "country=US/", TableWrite.Mode.APPEND, LAYOUT));
    assertTrue(inside.getMessage().contains(outer) && inside.getMessage().contains(outer + "country=US/"),
        inside.getMessage());
    assertThrows(MetaflowS3Exception.class,
        () -> TableWrite.begin(settings, outer + "country=US/", TableWrite.Mode.APPEND), "objects writes too");
    String around = table("nest");
    MetaflowS3Exception outside = assertThrows(MetaflowS3Exception.class,
        () -> TableWrite.begin(settings, around, TableWrite.Mode.APPEND, LAYOUT));
    assertTrue(outside.getMessage().contains(outer), outside.getMessage());
  }

  @Test
  void nestedTablesCreatedAtOnceNeverBothStand() throws Exception {
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    try (S3 s3 = client()) {
      for (int round = 0; round < 8; round++) {
        String outer = table("nest-race/" + round);
        List<String> locations = List.of(outer, outer + "country=US/");
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
        TableLayout layout = round % 2 == 0 ? LAYOUT : null;
        List<java.util.concurrent.Future<Boolean>> begun = new ArrayList<>();
        for (String location : locations) {
          begun.add(pool.submit(() -> {
            start.await();
            try {
              TableWrite.begin(settings, location, TableWrite.Mode.APPEND, layout);
              return true;
            } catch (MetaflowS3Exception nested) {
              assertTrue(nested.getMessage().contains("table at " + outer), nested.getMessage());
              return false;
            }
          }));
        }
        int stood = 0;
        for (java.util.concurrent.Future<Boolean> b : begun) {
          stood += b.get() ? 1 : 0;
        }
        assertTrue(stood <= 1, "round " + round + ": both nested tables were created");
        long logs = s3.listRecursive(List.of(outer)).stream().map(o -> TableLog.rootOfLogKey(o.url()))
            .filter(java.util.Objects::nonNull).distinct().count();
        assertEquals(stood, logs, "round " + round + ": a refused creation leaves no log");
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void dataOfAnotherLayoutIsRefused() {
    String t = table("layout");
    write(t, TableWrite.Mode.APPEND, Map.of("country=US/a", "US1"));
    TableLayout other = new TableLayout("{\"type\":\"struct\",\"fields\":[{\"name\":\"x\",\"type\":\"string\","
        + "\"nullable\":true,\"metadata\":{}},{\"name\":\"country\",\"type\":\"string\",\"nullable\":true,"
        + "\"metadata\":{}}]}", List.of("country"));
    assertThrows(MetaflowS3Exception.class, () -> TableWrite.begin(settings, t, TableWrite.Mode.APPEND, other));
  }

  /** Nullability may differ at any depth (a struct's fields, an array's elements), names in any case. */
  @Test
  void nullabilityAndCaseDoNotMakeAnotherLayout() {
    String nested = "{\"type\":\"struct\",\"fields\":[{\"name\":\"%s\",\"type\":{\"type\":\"struct\","
        + "\"fields\":[{\"name\":\"id\",\"type\":\"long\",\"nullable\":%s,\"metadata\":{}}]},\"nullable\":true,"
        + "\"metadata\":{}},{\"name\":\"a\",\"type\":{\"type\":\"array\",\"elementType\":\"long\","
        + "\"containsNull\":%s},\"nullable\":true,\"metadata\":{}}]}";
    TableLayout strict = new TableLayout(String.format(nested, "st", "false", "false"), List.of());
    TableLayout loose = new TableLayout(String.format(nested, "ST", "true", "true"), List.of());
    assertTrue(strict.fits(loose));
    assertTrue(loose.fits(strict));
    assertFalse(strict.fits(new TableLayout(String.format(nested.replace("\"long\",\"nullable\"",
        "\"string\",\"nullable\""), "st", "false", "false"), List.of())), "a nested type that differs does not fit");
  }

  @Test
  void anAbortedWriteLeavesNothingAndAnEmptyTableReadsEmpty() {
    String t = table("aborted");
    try (S3 s3 = client()) {
      TableWrite empty = TableWrite.begin(settings, t, TableWrite.Mode.APPEND, LAYOUT);
      empty.commit(List.of());
      assertEquals(Map.of(), read(s3, t), "a table with no files reads as empty");
      TableWrite w = TableWrite.begin(settings, t, TableWrite.Mode.APPEND, LAYOUT);
      attempt(w, s3, "t0", Map.of("country=US/a", "US1"));
      w.abort();
      List<S3Object> left = s3.listRecursive(List.of(t)).stream().filter(o -> !o.url().contains("_delta_log/"))
          .toList();
      assertEquals(List.of(), left);
      assertFalse(read(s3, t).containsKey("US"));
    }
  }

  @Test
  void vacuumKeepsWhatSnapshotsWithinTheRetentionNameAndDeletesDebrisPastIt() {
    String t = table("vacuum");
    try (S3 s3 = client()) {
      write(t, TableWrite.Mode.APPEND, Map.of("country=US/a", "US1", "country=DE/a", "DE1"));
      // A reader plans a read of version 0, then a writer overwrites the table.
      List<ObjectRange> planned = new ReadPlanner(s3).listPrefixes(List.of(t), PartitionFilter.ALL);
      write(t, TableWrite.Mode.OVERWRITE, Map.of("country=FR/a", "FR1"));
      TableWrite killed = TableWrite.begin(settings, t, TableWrite.Mode.APPEND, LAYOUT);
      attempt(killed, s3, "t9", Map.of("country=US/debris", "never committed"));

      assertThrows(IllegalArgumentException.class, () -> Vacuum.vacuum(settings, t, java.time.Duration.ofHours(1)),
          "a retention under the default is refused unless allowed");
      Vacuum.Result withinRetention = Vacuum.vacuum(settings, t, java.time.Duration.ofHours(1), true);
      assertEquals(List.of(), withinRetention.deleted(), "everything is younger than the retention");
      for (ObjectRange o : planned) {
        assertEquals(o.size(), s3.get(o.url()).size(), "the read planned before the overwrite completes");
      }
      assertEquals(Map.of("DE", List.of("DE1"), "US", List.of("US1")), readAt(s3, t, 1), "time travel too");

      Vacuum.Result pastRetention = Vacuum.vacuum(settings, t, java.time.Duration.ZERO, true);
      assertEquals(3, pastRetention.deleted().size(), "the two removed files and the debris: "
          + pastRetention.deleted());
      assertEquals(Map.of("FR", List.of("FR1")), read(s3, t));
      assertEquals(List.of("FR1"), TableReads.plain(s3, t), "plain readers now see what the log shows");
      assertTrue(s3.listPaths(List.of(t + "_delta_log/")).size() >= 2, "the log stays");
    }
  }

  /** Delta's table property {@code delta.deletedFileRetentionDuration} is the retention, as in Delta's VACUUM. */
  @Test
  void vacuumHonoursTheTablesOwnRetention() {
    String t = table("own-retention");
    try (S3 s3 = client()) {
      write(t, TableWrite.Mode.APPEND, Map.of("country=US/a", "US1"));
      write(t, TableWrite.Mode.OVERWRITE, Map.of("country=DE/a", "DE1"));
      setRetention(s3, t, "interval 30 days");
      IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
          () -> Vacuum.vacuum(settings, t, java.time.Duration.ofDays(8)), "under the table's 30 days");
      assertTrue(refused.getMessage().contains("PT720H"), refused.getMessage());
      setRetention(s3, t, "interval 0 seconds");
      assertEquals(1, Vacuum.vacuum(settings, t).deleted().size(), "the table's own retention is the default");
      assertEquals(List.of("DE1"), TableReads.plain(s3, t));
    }
  }

  private static void setRetention(S3 s3, String t, String interval) {
    DeltaTable table = DeltaTable.at(s3, t);
    table.kernelTable().createTransactionBuilder(table.engine(), "test", io.delta.kernel.Operation.MANUAL_UPDATE)
        .withTableProperties(table.engine(), Map.of("delta.deletedFileRetentionDuration", interval))
        .build(table.engine()).commit(table.engine(), io.delta.kernel.utils.CloseableIterable.emptyIterable());
  }

  /** Delta's log paths collapse an empty folder name, so a table's location with one is refused. */
  @Test
  void aTableLocationWithAnEmptyFolderNameIsRefused() {
    String doubled = LocalS3.root(server, "delta//doubled/");
    assertThrows(MetaflowS3URLException.class, () -> TableWrite.begin(settings, doubled, TableWrite.Mode.APPEND,
        LAYOUT));
    assertThrows(MetaflowS3URLException.class, () -> Vacuum.vacuum(settings, doubled));
  }

  @Test
  void aVacuumWhoseDeleteAnswersAreLostCompletesAndDeletesOnlyWhatItShould() {
    String t = table("vacuum-lost");
    try (FaultProxy proxy = FaultProxy.start(server.endpoint(), 11);
        S3 s3 = client()) {
      write(t, TableWrite.Mode.APPEND, Map.of("country=US/a", "US1", "country=DE/a", "DE1"));
      write(t, TableWrite.Mode.OVERWRITE, Map.of("country=FR/a", "FR1"));
      // The first answer to each delete request is lost: the server deleted, the client never heard, and retries.
      java.util.Set<String> answered = java.util.concurrent.ConcurrentHashMap.newKeySet();
      proxy.loseAnswers(r -> r.method().equals("POST") && r.target().contains("delete") && answered.add(r.target()));
      S3Settings lossy = LocalS3.settings(server).endpoint(proxy.endpoint().toString()).build();
      Vacuum.Result result = Vacuum.vacuum(lossy, t, java.time.Duration.ZERO, true);
      proxy.loseAnswers(r -> false);
      assertTrue(proxy.faults() > 0, "answers were lost");
      assertEquals(2, result.deleted().size(), "the two removed files: " + result.deleted());
      assertEquals(Map.of("FR", List.of("FR1")), read(s3, t));
      assertEquals(List.of("FR1"), TableReads.plain(s3, t));
    }
  }

  @Test
  void aLogDeletedByHandStartsAnEmptyTableThatAdoptsNothing() {
    String t = table("relogged");
    try (S3 s3 = client()) {
      write(t, TableWrite.Mode.APPEND, Map.of("country=US/a", "US1"));
      TableWrite killed = TableWrite.begin(settings, t, TableWrite.Mode.APPEND, LAYOUT);
      attempt(killed, s3, "t9", Map.of("country=US/debris", "never committed"));
      deleteLog(s3, t);
      write(t, TableWrite.Mode.APPEND, Map.of("country=DE/b", "DE2"));
      assertEquals(Map.of("DE", List.of("DE2")), read(s3, t), "neither the old table's files nor debris");
    }
  }

  @Test
  void partitionValuesAreComparedAsValuesAndStoredUnderTheTablesColumnNames() {
    String t = table("timestamps");
    TableLayout byTime = new TableLayout("{\"type\":\"struct\",\"fields\":[{\"name\":\"x\",\"type\":\"long\","
        + "\"nullable\":true,\"metadata\":{}},{\"name\":\"ts\",\"type\":\"timestamp\",\"nullable\":true,"
        + "\"metadata\":{}}]}", List.of("ts"));
    try (S3 s3 = client()) {
      // Two writers state one instant as two texts, under two spellings of the column.
      for (String[] w : List.of(new String[] {"ts", "2024-01-01T00:00:00Z", "first"},
          new String[] {"TS", "2024-01-01T00:00:00.000000Z", "second"})) {
        TableWrite write = TableWrite.begin(settings, t, w[2].equals("first") ? TableWrite.Mode.APPEND
            : TableWrite.Mode.OVERWRITE_PARTITIONS, byTime);
        WrittenObject o = write.openAttempt(s3, "t0").write("ts=x/" + w[2], w[2].getBytes(), null);
        write.commit(List.of(new WrittenObject(o.name(), o.key(), o.size(), Map.of(w[0], w[1]), null)));
      }
      List<String> texts = new ReadPlanner(s3).listPrefixes(List.of(t), PartitionFilter.ALL).stream()
          .map(o -> s3.get(o.url()).text()).toList();
      assertEquals(List.of("second"), texts, "the partition overwritten is the same instant");
      String v2 = s3.get(t + "_delta_log/00000000000000000002.json").text();
      assertTrue(v2.contains("\"partitionValues\":{\"ts\":"), "stored under the table's name: " + v2);
    }
  }

  @Test
  void aReadSkipsFilesByTheColumnStatisticsOfTheirAddActions() {
    String t = table("skipping");
    try (S3 s3 = client()) {
      TableWrite w = TableWrite.begin(settings, t, TableWrite.Mode.APPEND, LAYOUT);
      AttemptWriter a = w.openAttempt(s3, "t0");
      Map<String, String> stats = new TreeMap<>();
      stats.put("low", "{\"numRecords\":10,\"minValues\":{\"x\":0},\"maxValues\":{\"x\":9},\"nullCount\":{\"x\":0}}");
      stats.put("high", "{\"numRecords\":10,\"minValues\":{\"x\":10},\"maxValues\":{\"x\":19},\"nullCount\":{\"x\":0}}");
      stats.put("nulls", "{\"numRecords\":3,\"minValues\":{},\"maxValues\":{},\"nullCount\":{\"x\":3}}");
      stats.put("unknown", null);
      List<WrittenObject> files = new ArrayList<>();
      stats.forEach((name, json) -> {
        WrittenObject o = a.write("country=US/" + name, name.getBytes(), null);
        files.add(new WrittenObject(o.name(), o.key(), o.size(), Map.of("country", "US"), json));
      });
      w.commit(files);
      ReadPlanner planner = new ReadPlanner(s3);
      ReadPlanner.Listing listing = planner.listing(List.of(t), null, PartitionSchema.NONE, PartitionFilter.ALL);
      java.util.function.Function<PartitionFilter, List<String>> kept = filter -> planner
          .skipByStatistics(listing, listing.objects(), filter).stream().map(o -> s3.get(o.url()).text()).sorted()
          .toList();
      PartitionFilter atLeast15 = PartitionFilter.compare("x", PartitionFilter.Op.GE, 15L);
      // Kernel keeps what it cannot rule out: a file without statistics, and one without bounds (all null).
      assertEquals(List.of("high", "nulls", "unknown"), kept.apply(atLeast15));
      assertEquals(List.of("high", "nulls", "unknown"), kept.apply(PartitionFilter.not(
          PartitionFilter.compare("x", PartitionFilter.Op.LT, 15))), "NOT, an int literal for a long column");
      assertEquals(List.of("low", "nulls", "unknown"), kept.apply(PartitionFilter.or(
          PartitionFilter.equalTo("x", 5), PartitionFilter.in("X", List.of(3, 4)))), "OR, IN, a column's case");
      assertEquals(List.of("nulls", "unknown"), kept.apply(PartitionFilter.isNull("x")));
      assertEquals(List.of("high", "low", "unknown"), kept.apply(PartitionFilter.not(PartitionFilter.isNull("x"))));
      assertEquals(List.of("high", "nulls", "unknown"), kept.apply(PartitionFilter.equalTo("country", "DE")
          .and(atLeast15)),
          "partition columns are left to the planner's pruning, the rest still skips");
      List<String> all = List.of("high", "low", "nulls", "unknown");
      assertEquals(all, kept.apply(PartitionFilter.equalTo("x", "15")), "a literal of another type skips nothing");
      assertEquals(all, kept.apply(PartitionFilter.or(atLeast15, PartitionFilter.equalTo("country", "DE"))),
          "an OR with a side it cannot state skips nothing");
      assertEquals(all, kept.apply(PartitionFilter.not(PartitionFilter.equalTo("country", "DE").and(atLeast15))),
          "a NOT of a conjunction it can only weaken skips nothing");
    }
  }
}
