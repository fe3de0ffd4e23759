package io.metaflows3.benchmarks;

import io.metaflows3.benchmarks.Measurement.Tool;
import io.metaflows3.benchmarks.Measurement.Work;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.core.table.AttemptWriter;
import io.metaflows3.core.table.DeltaTable;
import io.metaflows3.core.table.PartitionFilter;
import io.metaflows3.core.table.ReadPlanner;
import io.metaflows3.core.table.TableLayout;
import io.metaflows3.core.table.TableWrite;
import io.metaflows3.core.table.WrittenObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * What a Delta table costs against a plain listing of the same table's files (the peer: what a reader without a
 * log does, and what a table contract that lists costs): a one-file append to a table of many files, a new
 * reader's plan of it, and loading a table of many versions. The files hold bytes, not Parquet: neither a commit
 * nor a plan reads them.
 */
final class TableSuite {
  private static final TableLayout LAYOUT = new TableLayout("{\"type\":\"struct\",\"fields\":[{\"name\":\"x\","
      + "\"type\":\"long\",\"nullable\":true,\"metadata\":{}},{\"name\":\"country\",\"type\":\"string\","
      + "\"nullable\":true,\"metadata\":{}}]}", List.of("country"));
  private static final String PLAIN = "plain listing of its files";
  private final S3Settings settings;
  private final int runs;
  private final List<Measurement> results;

  TableSuite(S3Settings settings, int runs, List<Measurement> results) {
    this.settings = settings;
    this.runs = runs;
    this.results = results;
  }

  void run(long files, long versions) throws Exception {
    String big = BenchData.url("tables/big/");
    String many = BenchData.url("tables/versions/");
    try (S3 s3 = S3.builder().settings(settings).environment(Map.of()).build()) {
      commit(s3, big, (int) files, "seed");
      for (int v = 0; v < versions; v++) {
        commit(s3, many, 1, "v" + v);
      }
      int[] appended = {0};
      results.addAll(Measurement.interleaved("table append", runs, List.of(
          new Tool("metaflow-s3 one-file Delta commit", () -> { }, () -> {
            commit(s3, big, 1, "a" + appended[0]++);
            return new Work(1, 0);
          }),
          plainListing(s3, big))));
      results.addAll(Measurement.interleaved("table plan", runs, List.of(
          new Tool("metaflow-s3 new reader's plan", () -> { }, () -> plan(big)),
          plainListing(s3, big))));
      results.addAll(Measurement.interleaved("table versions", runs, List.of(
          new Tool("metaflow-s3 load of " + versions + " versions", () -> { }, () -> {
            try (S3 fresh = client()) {
              DeltaTable table = DeltaTable.at(fresh, many);
              return new Work(table.files(table.latest().orElseThrow()).size(), 0);
            }
          }),
          plainListing(s3, many))));
    }
  }

  private S3 client() {
    return S3.builder().settings(settings).environment(Map.of()).build();
  }

  /** A new reader's plan of every file, with a client of its own. */
  private Work plan(String table) {
    try (S3 fresh = client()) {
      return new Work(new ReadPlanner(fresh).listPrefixes(List.of(table), PartitionFilter.ALL).size(), 0);
    }
  }

  private static Tool plainListing(S3 s3, String table) {
    return new Tool(PLAIN, () -> { }, () -> new Work(s3.listRecursive(List.of(table)).size(), 0));
  }

  /** Stores {@code n} files (in 100 country partitions, many uploads in flight) and commits them as one version. */
  private void commit(S3 s3, String table, int n, String tag) {
    TableWrite write = TableWrite.begin(settings, table, TableWrite.Mode.APPEND, LAYOUT);
    AttemptWriter attempt = write.openAttempt(s3, "t0");
    List<CompletableFuture<WrittenObject>> stored = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      stored.add(attempt.writeAsync("country=C" + (i % 100) + "/" + tag + "-" + i + ".parquet", new byte[] {1},
          "application/octet-stream"));
    }
    List<WrittenObject> files = new ArrayList<>();
    for (CompletableFuture<WrittenObject> f : stored) {
      WrittenObject o = S3.await(f);
      String country = o.name().substring("country=".length(), o.name().indexOf('/'));
      files.add(new WrittenObject(o.name(), o.key(), o.size(), Map.of("country", country), null));
    }
    write.commit(files);
  }
}
