package io.metaflows3.core.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.metaflows3.core.LineReader;
import io.metaflows3.core.LocalS3;
import io.metaflows3.core.metaflow.MetaflowS3NotFound;
import io.metaflows3.core.api.ObjectRange;
import io.metaflows3.core.api.ReadSplit;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3PutObject;
import io.metaflows3.local.FaultProxy;
import io.metaflows3.local.LocalS3Extension;
import io.metaflows3.local.LocalS3Server;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Listing, pruning and packing: what both engines read is planned here. */
@ExtendWith(LocalS3Extension.class)
class ReadPlannerTest {
  private final LocalS3Server server;

  ReadPlannerTest(LocalS3Server server) {
    this.server = server;
  }

  private S3 client() {
    return S3.builder().settings(LocalS3.settings(server).partSize(1024).build()).environment(Map.of()).build();
  }

  private String url(String key) {
    return LocalS3.root(server, "plan/" + key);
  }

  @Test
  void partitionFilterListsOnlyTheChosenPrefixes() {
    try (S3 s3 = client()) {
      List<S3PutObject> puts = new ArrayList<>();
      for (String c : List.of("DE", "FR", "US")) {
        for (int i = 0; i < 3; i++) {
          puts.add(S3PutObject.of(url("sales/country=" + c + "/part-" + i + ".csv"), c + i));
        }
      }
      puts.add(S3PutObject.of(url("sales/_SUCCESS"), ""));
      s3.putMany(puts);
      ReadPlanner planner = new ReadPlanner(s3);
      long before = s3.stats().listRequests();
      List<ObjectRange> us = planner.listPrefixes(List.of(url("sales/")), PartitionFilter.of("country", List.of("US")));
      assertEquals(1 + 3, s3.stats().listRequests() - before, "a tree of one page is listed flat, once, plus one "
          + "probe for a log (its hidden names) in each folder from plan/sales/ up to the bucket (3)");
      assertEquals(List.of("US0", "US1", "US2"), us.stream().map(o -> s3.get(o.url()).text()).toList());
      assertEquals(Map.of("country", "US"), us.get(0).partitionValues());
      List<ObjectRange> all = planner.listPrefixes(List.of(url("sales")), PartitionFilter.ALL);
      assertEquals(9, all.size(), "hidden _SUCCESS is skipped");
      assertEquals(List.of(), planner.listPrefixes(List.of(url("sales/")), PartitionFilter.of("country",
          List.of("XX"))));
      assertThrows(MetaflowS3NotFound.class, () -> planner.listPrefixes(List.of(url("nothing/")),
          PartitionFilter.ALL));
    }
  }

  @Test
  void folderMarkersAreNotData() {
    try (S3 s3 = client()) {
      // Zero-byte keys ending in '/' are what the S3 console's "Create folder" and Hadoop's mkdirs leave.
      s3.putMany(List.of(S3PutObject.of(url("markers/"), ""), S3PutObject.of(url("markers/country=US/"), ""),
          S3PutObject.of(url("markers/country=US/part-0.csv"), "US0")));
      List<ObjectRange> read = new ReadPlanner(s3).listPrefixes(List.of(url("markers/")),
          PartitionFilter.of("country", List.of("US")));
      assertEquals(List.of(url("markers/country=US/part-0.csv")), read.stream().map(ObjectRange::url).toList());
    }
  }

  @Test
  void aTreeLargerThanAPageIsWalkedAndPrunedBeforeListing() {
    try (S3 s3 = client()) {
      List<S3PutObject> puts = new ArrayList<>();
      for (String c : List.of("DE", "FR", "US")) {
        for (int i = 0; i < 400; i++) {
          puts.add(S3PutObject.of(url("big/country=" + c + "/part-" + i + ".csv"), c));
        }
      }
      s3.putMany(puts);
      long before = s3.stats().listRequests();
      List<ObjectRange> us = new ReadPlanner(s3).listPrefixes(List.of(url("big/")),
          PartitionFilter.of("country", List.of("US")));
      assertEquals(3 + 3, s3.stats().listRequests() - before,
          "a flat page that came back truncated, then the root level and country=US/ only, plus the 3 log probes");
      assertEquals(400, us.size());
      assertTrue(us.stream().allMatch(o -> o.url().contains("/country=US/")));
      // Every folder pruned while walking, an unpartitioned object beside them: read, not taken for a misspelling.
      s3.put(url("big/schema.json"), "{}");
      assertEquals(List.of(url("big/schema.json")), new ReadPlanner(s3).listPrefixes(List.of(url("big/")),
          PartitionFilter.of("country", List.of("XX"))).stream().map(ObjectRange::url).toList());
      IllegalArgumentException misspelt = assertThrows(IllegalArgumentException.class, () -> new ReadPlanner(s3)
          .listPrefixes(List.of(url("big/")), PartitionFilter.of("Country", List.of("US"))));
      assertTrue(misspelt.getMessage().contains("'Country'"), misspelt.getMessage());
    }
  }

  @Test
  void splitsPackSmallObjectsAndCutLargeOnes() {
    List<ObjectRange> objects = List.of(range("a", 30), range("b", 30), range("c", 30), range("big", 250),
        range("d", 10));
    List<ReadSplit> splits = ReadPlanner.split(objects, 100, 0);
    assertEquals(List.of(90L, 100L, 100L, 50L, 10L), splits.stream().map(ReadSplit::bytes).toList());
    assertEquals(3, splits.get(0).ranges().size());
    assertEquals(new ObjectRange("s3://b/big", 250, null, 200, 250, Map.of()), splits.get(3).ranges().get(0));
    assertEquals(List.of(60L, 30L, 100L, 100L, 50L, 10L), ReadPlanner.split(objects, 100, 15).stream()
        .map(ReadSplit::bytes).toList(), "with a cost per object, two of 30 bytes fill a split of 100");
    assertThrows(IllegalArgumentException.class, () -> ReadPlanner.split(objects, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> ReadPlanner.split(objects, 100, -1));
  }

  private static ObjectRange range(String key, long size) {
    return new ObjectRange("s3://b/" + key, size, null, 0, size, Map.of());
  }

  @Test
  void linesAreReadExactlyOnceWhateverTheCut() {
    Random random = new Random(7);
    StringBuilder text = new StringBuilder();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      String line = "line " + i + " " + "x".repeat(random.nextInt(40)) + (i % 7 == 0 ? "" : "é");
      if (i % 50 == 0) {
        line = "";
      }
      expected.add(line);
      text.append(line).append(i % 3 == 0 ? "\r\n" : "\n");
    }
    text.append("last line without newline");
    expected.add("last line without newline");
    try (S3 s3 = client()) {
      s3.put(url("text/lines.txt"), text.toString());
      ObjectRange whole = new ReadPlanner(s3).listPrefixes(List.of(url("text/")), PartitionFilter.ALL).get(0);
      for (long target : new long[] {5, 64, 1023, 1024, 5000, 1 << 20}) {
        List<String> got = new ArrayList<>();
        for (ReadSplit split : ReadPlanner.split(List.of(whole), target, 0)) {
          for (ObjectRange r : split.ranges()) {
            LineReader reader = new LineReader(s3, r); // read to its end: nothing left in flight
            for (String line; (line = reader.next()) != null; ) {
              got.add(line);
            }
          }
        }
        assertEquals(expected, got, "target " + target);
      }
    }
  }

  /** Appends one object to the earlier-log table at {@code table}, committed, through the server directly. */
  private void append(String table, String name) {
    try (S3 s3 = S3.builder().settings(LocalS3.settings(server).build()).environment(Map.of()).build()) {
      EarlierLog.append(s3, table, name);
    }
  }

  /** The names read ("a" of the object {@code a.txt}), in order. */
  private static List<String> names(List<ObjectRange> objects) {
    return objects.stream().map(o -> o.url().substring(o.url().lastIndexOf('/') + 1).split("\\.")[0]).sorted()
        .toList();
  }

  @Test
  void anEarlierTableLoadedAgainReadsOnlyTheVersionsCommittedSince() {
    String t = url("versions/");
    append(t, "a.txt");
    append(t, "b.txt");
    try (S3 s3 = client()) {
      ReadPlanner planner = new ReadPlanner(s3);
      long before = s3.stats().getRequests();
      assertEquals(List.of("a", "b"), names(planner.listPrefixes(List.of(t), PartitionFilter.ALL)));
      long first = s3.stats().getRequests() - before;
      assertTrue(first >= 2, "each version read once: " + first);
      before = s3.stats().getRequests();
      assertEquals(List.of("a", "b"), names(planner.listPrefixes(List.of(t), PartitionFilter.ALL)));
      assertEquals(0, s3.stats().getRequests() - before, "no version read again");
      append(t, "c.txt");
      before = s3.stats().getRequests();
      assertEquals(List.of("a", "b", "c"), names(planner.listPrefixes(List.of(t), PartitionFilter.ALL)));
      assertEquals(1, s3.stats().getRequests() - before, "only the new version is read");
    }
  }

  /**
   * An earlier log's versions and the data are listed at once; a version committed after the data listing passed
   * but before the log's listing saw it names an object the data listing lacks: the location is listed again,
   * and the read shows that version whole.
   */
  @Test
  void aVersionCommittedBetweenTheDataListingAndTheLogsIsReadWhole() {
    String t = url("race/");
    append(t, "a.txt");
    String logListing = "prefix=plan%2Frace%2F_metaflow_s3_log%2F";
    AtomicBoolean committed = new AtomicBoolean();
    try (FaultProxy proxy = FaultProxy.start(server.endpoint(), 1);
        S3 s3 = S3.builder().settings(LocalS3.settings(server).endpoint(proxy.endpoint().toString()).build())
            .environment(Map.of()).build()) {
      proxy.onlyFor(request -> {
        if (request.target().contains(logListing) && committed.compareAndSet(false, true)) {
          try {
            Thread.sleep(500); // the data listing, sent at the same time, is answered meanwhile
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          append(t, "b.txt");
        }
        return false;
      });
      long lists = s3.stats().listRequests();
      assertEquals(List.of("a", "b"), names(new ReadPlanner(s3).listPrefixes(List.of(t), PartitionFilter.ALL)));
      assertTrue(committed.get());
      assertEquals(3 + 1 + 2, s3.stats().listRequests() - lists, "probes from plan/race/ up (3), the log's versions, "
          + "the data twice");
    }
  }
}
