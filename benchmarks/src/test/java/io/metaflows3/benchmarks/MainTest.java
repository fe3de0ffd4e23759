package io.metaflows3.benchmarks;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The benchmark command end to end at tiny sizes, so it cannot rot: every suite runs, every tool's answer is
 * checked by the suite itself (bytes summed, Spark answers compared across tools), and the table is printed.
 */
class MainTest {
  @Test
  void everySuiteRunsAndPrintsItsRows() throws Exception {
    PrintStream out = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      Main.main(new String[] {"--small", "20", "--small-kib", "4", "--large", "1", "--large-mib", "20",
          "--list-keys", "200", "--table-files", "300", "--table-versions", "25", "--rows", "5000", "--memory-mib", "40",
          "--runs", "1"});
    } finally {
      System.setOut(out);
    }
    String table = captured.toString(StandardCharsets.UTF_8);
    out.println(table);
    for (String row : List.of("get small          metaflow-s3 getMany", "get large          metaflow-s3 getMany",
        "put small", "put large", "listRecursive      Beam FileSystems.match", "listPaths",
        "table append       plain listing of its files", "table plan         metaflow-s3 new reader's plan",
        "table versions     metaflow-s3 load of 25 versions",
        "beam read large    Beam FileIO.match().readMatches()", "spark table, DE    Spark parquet over S3A",
        "spark table, all   ceiling: Spark parquet, local disk copy",
        "spark small        Spark binaryFile over S3A", "Memory: one getMany of 2 objects")) {
      assertTrue(table.contains(row), "missing: " + row);
    }
    assertTrue(table.contains("-Xmx256m: ok, 40 MiB downloaded"), table);
  }

  @Test
  void theS3LikeModeRunsEveryToolThroughTheShapingProxy() throws Exception {
    PrintStream out = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      Main.main(new String[] {"--mode", "s3like", "--only", "small", "--small", "10", "--small-kib", "4",
          "--runs", "1"});
    } finally {
      System.setOut(out);
    }
    String table = captured.toString(StandardCharsets.UTF_8);
    out.println(table);
    assertTrue(table.contains("S3-like: 20 ms to first byte, 80 MiB/s per connection"), table);
    for (String row : List.of("get small          metaflow-s3 getMany", "get small          SDK sync loop",
        "put small          metaflow-s3 putFiles")) {
      assertTrue(table.contains(row), "missing: " + row);
    }
  }
}
