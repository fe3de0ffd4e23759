package io.metaflows3.bundle;

import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A user's Spark application, submitted with the bundle: it knows Spark's API only and reaches the connector by
 * its format name. It writes and reads a partitioned table, text and binary objects and a SQL table, and fails
 * (a non-zero exit of spark-submit) when anything read differs from what was written.
 * Arguments: endpoint, access key id, secret access key, root URL (s3://bucket/prefix/), executors expected.
 */
public final class BundleApp {
  private BundleApp() {}

  public static void main(String[] args) {
    Map<String, String> options = Map.of("endpoint", args[0], "accessKeyId", args[1], "secretAccessKey", args[2]);
    String root = args[3];
    int executors = Integer.parseInt(args[4]);
    SparkSession spark = SparkSession.builder().appName("metaflow-s3-bundle").getOrCreate();
    try {
      Dataset<Row> df = spark.range(0, 5000).selectExpr("id", "CAST(id % 4 AS STRING) AS country",
          "id * 1.5 AS x", "TIMESTAMP'2021-01-01 00:00:00' + MAKE_INTERVAL(0, 0, 0, 0, 0, 0, id) AS ts",
          "ARRAY(id, id + 1) AS arr", "NAMED_STRUCT('a', id, 'b', CAST(id AS STRING)) AS st");
      df.write().format("metaflow-s3").options(options).partitionBy("country").save(root + "table/");
      Dataset<Row> back = spark.read().format("metaflow-s3").options(options).load(root + "table/");
      check("rows read back", sorted(df), sorted(back.selectExpr(df.columns())));
      check("rows of one partition", df.where("country = '2' AND x > 1000").count(),
          back.where("country = '2' AND x > 1000").count());
      check("lines", 60L, spark.read().format("metaflow-s3").option("format", "text").options(options)
          .load(root + "logs/").count());
      check("objects", 30, spark.read().format("metaflow-s3").option("format", "binary").options(options)
          .load(root + "logs/").select("content").collectAsList().size());
      spark.sql("CREATE TABLE bundle_sql (id BIGINT, country STRING) USING `metaflow-s3` PARTITIONED BY (country) "
          + "LOCATION '" + root + "sql/' OPTIONS (endpoint '" + args[0] + "', accessKeyId '" + args[1]
          + "', secretAccessKey '" + args[2] + "')");
      spark.sql("INSERT INTO bundle_sql SELECT id, CAST(id % 3 AS STRING) FROM range(300)");
      check("a SQL table's groups", List.of("[0,100]", "[1,100]", "[2,100]"), spark.sql("SELECT country, count(*) "
          + "FROM bundle_sql GROUP BY country").collectAsList().stream().map(Row::toString).sorted().toList());
      // The driver counts itself among the block managers.
      check("executors", executors + 1, spark.sparkContext().getExecutorMemoryStatus().size());
      System.out.println("metaflow-s3 bundle: all checks passed");
    } finally {
      spark.stop();
    }
  }

  private static List<String> sorted(Dataset<Row> df) {
    return df.collectAsList().stream().map(Row::toString).sorted().toList();
  }

  private static void check(String what, Object expected, Object actual) {
    if (!expected.equals(actual)) {
      throw new IllegalStateException(what + ": expected " + expected + " but read " + actual);
    }
  }
}
