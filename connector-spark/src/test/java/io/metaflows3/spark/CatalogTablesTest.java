package io.metaflows3.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.metaflows3.core.LocalS3;
import io.metaflows3.local.LocalS3Extension;
import io.metaflows3.local.LocalS3Server;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tables in Spark's session catalog: the same SQL run on a {@code metaflow-s3} table and on a {@code parquet}
 * table, side by side, gives the same rows.
 */
@ExtendWith(LocalS3Extension.class)
class CatalogTablesTest {
  private static SparkSession spark;
  private final LocalS3Server server;
  @TempDir
  Path local;

  CatalogTablesTest(LocalS3Server server) {
    this.server = server;
  }

  @BeforeAll
  static void startSpark() {
    spark = LocalSpark.builder("local[2]", "metaflow-s3-catalog").config("spark.sql.shuffle.partitions", "2")
        .getOrCreate();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  private String connection() {
    return "OPTIONS (endpoint '" + server.endpoint() + "', accessKeyId '" + LocalS3Server.ACCESS_KEY_ID
        + "', secretAccessKey '" + LocalS3Server.SECRET_ACCESS_KEY + "')";
  }

  private static List<String> rows(String sql) {
    return spark.sql(sql).collectAsList().stream().map(Row::toString).sorted().toList();
  }

  /** Runs each statement on both tables ({@code %s} is the table) and compares what the queries return. */
  private void sideBySide(String ours, String parquet, List<String> statements, List<String> queries) {
    for (String statement : statements) {
      spark.sql(String.format(statement, ours));
      spark.sql(String.format(statement, parquet));
    }
    for (String query : queries) {
      assertEquals(rows(String.format(query, parquet)), rows(String.format(query, ours)), query);
    }
  }

  @Test
  void sqlTablesCreatedInsertedOverwrittenAndDescribedAsParquetTables() {
    spark.sql("CREATE TABLE ours_sql (id INT, name STRING, p STRING) USING `metaflow-s3` PARTITIONED BY (p) "
        + "LOCATION '" + LocalS3.root(server, "catalog/sql/") + "' " + connection());
    spark.sql("CREATE TABLE parquet_sql (id INT, name STRING, p STRING) USING parquet PARTITIONED BY (p) "
        + "LOCATION '" + local.resolve("sql").toUri() + "'");
    sideBySide("ours_sql", "parquet_sql", List.of(
        "INSERT INTO %s VALUES (1, 'a', 'x'), (2, 'b', 'y')",
        "INSERT INTO %s SELECT 3, 'c', 'x'",
        "INSERT INTO %s PARTITION (p = 'z') VALUES (4, 'd')"),
        List.of("SELECT * FROM %s", "SELECT id FROM %s WHERE p = 'x'", "SELECT count(*) FROM %s",
            "SHOW PARTITIONS %s", "SHOW PARTITIONS %s PARTITION (p = 'x')", "SHOW PARTITIONS %s PARTITION (p = 'v')"));
    sideBySide("ours_sql", "parquet_sql", List.of("INSERT OVERWRITE %s SELECT 5, 'e', 'w'"),
        List.of("SELECT * FROM %s", "SHOW PARTITIONS %s"));
    assertThrows(UnsupportedOperationException.class,
        () -> spark.sql("ALTER TABLE ours_sql ADD PARTITION (p = 'q')"));
    assertEquals(rows("DESCRIBE parquet_sql").stream().filter(r -> !r.contains("#")).toList(),
        rows("DESCRIBE ours_sql").stream().filter(r -> !r.contains("#")).toList());
  }

  /**
   * Static partition overwrite (an overwrite by a filter over partition columns): only the partitions the spec
   * names are replaced, a partial spec replacing every partition under it, as Spark's file tables do; an overwrite
   * by a filter over data columns is refused, never done by rewriting part of a file.
   */
  @Test
  void staticPartitionOverwritesAsParquetTables() {
    spark.sql("CREATE TABLE ours_static (id INT, name STRING, p STRING, q INT) USING `metaflow-s3` PARTITIONED BY "
        + "(p, q) LOCATION '" + LocalS3.root(server, "catalog/static/") + "' " + connection());
    spark.sql("CREATE TABLE parquet_static (id INT, name STRING, p STRING, q INT) USING parquet PARTITIONED BY "
        + "(p, q) LOCATION '" + local.resolve("static").toUri() + "'");
    List<String> queries = List.of("SELECT * FROM %s", "SHOW PARTITIONS %s");
    sideBySide("ours_static", "parquet_static", List.of(
        "INSERT INTO %s VALUES (1, 'a', 'x', 1), (2, 'b', 'x', 2), (3, 'c', 'y', 1), (4, 'd', 'z', 1)",
        "INSERT OVERWRITE %s PARTITION (p = 'x', q = 1) SELECT 5, 'e'"), queries);
    sideBySide("ours_static", "parquet_static", List.of(
        "INSERT OVERWRITE %s PARTITION (p = 'x', q) SELECT 6, 'f', 3"), queries);
    sideBySide("ours_static", "parquet_static", List.of(
        "INSERT OVERWRITE %s PARTITION (p = 'y', q = 1) SELECT 9, 'h' WHERE false"), List.of("SELECT * FROM %s"));
    // A partition is there while files of it are: the catalog of a file table keeps the emptied one listed.
    assertEquals(List.of("[p=x/q=3]", "[p=z/q=1]"), rows("SHOW PARTITIONS ours_static"));
    // With partitionOverwriteMode=dynamic an overwrite by filter is still one: the filter says what is replaced,
    // not the partitions written (here a row of another partition, and none of the one replaced).
    spark.conf().set("spark.sql.sources.partitionOverwriteMode", "dynamic");
    try {
      List<String> kept = rows("SELECT * FROM ours_static WHERE p <> 'z'");
      spark.sql("INSERT INTO ours_static REPLACE WHERE p = 'z' SELECT 10, 'j', 'x', 7");
      List<String> expected = new ArrayList<>(kept);
      expected.add("[10,j,x,7]");
      assertEquals(expected.stream().sorted().toList(), rows("SELECT * FROM ours_static"));
    } finally {
      spark.conf().unset("spark.sql.sources.partitionOverwriteMode");
    }
    assertThrows(Exception.class, () -> spark.table("ours_static").where("id > 100").writeTo("ours_static")
        .overwrite(org.apache.spark.sql.functions.col("id").gt(3)));
  }

  /**
   * A table's own properties are no options; a collated column's filters are not pushed as byte comparisons (each
   * value in a file of its own, so that a row group or a file skipped by its statistics would show).
   */
  @Test
  void tablePropertiesAndCollatedColumnsAsParquetTables() {
    spark.sql("CREATE TABLE ours_collated (id INT, name STRING COLLATE UTF8_LCASE, p INT) USING `metaflow-s3` "
        + "PARTITIONED BY (p) LOCATION '" + LocalS3.root(server, "catalog/collated/") + "' " + connection()
        + " TBLPROPERTIES ('team' = 'ds')");
    spark.sql("CREATE TABLE parquet_collated (id INT, name STRING COLLATE UTF8_LCASE, p INT) USING parquet "
        + "PARTITIONED BY (p) LOCATION '" + local.resolve("collated").toUri() + "' TBLPROPERTIES ('team' = 'ds')");
    sideBySide("ours_collated", "parquet_collated", List.of("INSERT INTO %s VALUES (1, 'A', 1)",
        "INSERT INTO %s VALUES (2, 'b', 1)", "INSERT INTO %s VALUES (3, 'a', 2)"),
        List.of("SELECT * FROM %s", "SELECT id FROM %s WHERE name = 'a'", "SELECT id FROM %s WHERE name IN ('B')",
            "SELECT id FROM %s WHERE name > 'a'"));
    // A partition column of a type core does not compare (FLOAT): its filters are Spark's to evaluate.
    spark.sql("CREATE TABLE ours_float (id INT, f FLOAT) USING `metaflow-s3` PARTITIONED BY (f) LOCATION '"
        + LocalS3.root(server, "catalog/float/") + "' " + connection());
    spark.sql("CREATE TABLE parquet_float (id INT, f FLOAT) USING parquet PARTITIONED BY (f) LOCATION '"
        + local.resolve("float").toUri() + "'");
    sideBySide("ours_float", "parquet_float", List.of("INSERT INTO %s VALUES (1, 0.1F), (2, 2.5F)"),
        List.of("SELECT id FROM %s WHERE f = 0.1F", "SELECT id FROM %s WHERE f IN (0.1F, 2.5F)",
            "SELECT id FROM %s WHERE f > 0.1F", "SHOW PARTITIONS %s", "SHOW PARTITIONS %s PARTITION (f = 2.5)"));
  }

  /**
   * {@code saveAsTable} and {@code insertInto}. Spark keeps no writer's options with a table a DataFrame saved:
   * the connection comes from the session ({@code metaflow.s3.*}), or metaflow's configuration.
   */
  @Test
  void saveAsTableAndInsertIntoAsParquetTables() {
    Map<String, String> connection = Map.of("endpoint", server.endpoint().toString(), "accessKeyId",
        LocalS3Server.ACCESS_KEY_ID, "secretAccessKey", LocalS3Server.SECRET_ACCESS_KEY);
    connection.forEach((name, value) -> spark.conf().set("metaflow.s3." + name, value));
    try {
      Dataset<Row> first = spark.sql("SELECT id, CAST(id % 3 AS STRING) AS p FROM range(6)");
      first.write().format("metaflow-s3").option("path", LocalS3.root(server, "catalog/saved/")).partitionBy("p")
          .saveAsTable("ours_saved");
      first.write().format("parquet").option("path", local.resolve("saved").toString()).partitionBy("p")
          .saveAsTable("parquet_saved");
      Dataset<Row> more = spark.sql("SELECT id + 10 AS id, '9' AS p FROM range(2)");
      more.write().insertInto("ours_saved");
      more.write().insertInto("parquet_saved");
      more.write().format("metaflow-s3").mode("append").partitionBy("p").saveAsTable("ours_saved");
      more.write().format("parquet").mode("append").partitionBy("p").saveAsTable("parquet_saved");
      for (String query : List.of("SELECT * FROM %s", "SELECT * FROM %s WHERE p = '9'")) {
        assertEquals(rows(String.format(query, "parquet_saved")), rows(String.format(query, "ours_saved")), query);
      }
    } finally {
      connection.keySet().forEach(name -> spark.conf().unset("metaflow.s3." + name));
    }
  }


}
