package io.metaflows3.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.metaflows3.core.LocalS3;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.hadoop.FileSystemSettings;
import io.metaflows3.local.LocalS3Extension;
import io.metaflows3.local.LocalS3Server;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Side by side with the reference, Delta Lake's own Spark source: it reads every table our writer makes with the
 * rows and schema we read, and we read every table it makes with the rows it reads. Both reach the embedded
 * server through connector-hadoop's {@code s3://} file system.
 */
@ExtendWith(LocalS3Extension.class)
class DeltaReferenceTest {
  private static SparkSession spark;
  private static S3Settings settings;
  private static String root;

  @BeforeAll
  static void startSpark(LocalS3Server server) {
    settings = LocalS3.settings(server).build();
    root = LocalS3.root(server, "delta-reference/");
    SparkSession.Builder builder = SparkSession.builder().master("local[2]").appName("delta-reference")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog");
    for (var e : FileSystemSettings.entries(settings).entrySet()) {
      builder = builder.config("spark.hadoop." + e.getKey(), e.getValue());
    }
    spark = builder.getOrCreate();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  private static Dataset<Row> ours(String url) {
    return spark.read().format("metaflow-s3").options(settings.toOptions()).load(url);
  }

  private static Dataset<Row> delta(String url) {
    return spark.read().format("delta").load(url);
  }

  /** Rows of {@code rows}, with the other's column order, as sorted JSON: the same rows whatever the order. */
  private static List<String> sorted(Dataset<Row> rows, StructType order) {
    return rows.selectExpr(java.util.Arrays.stream(order.fieldNames()).map(n -> "`" + n + "`").toArray(String[]::new))
        .toJSON().collectAsList().stream().sorted().toList();
  }

  private static void assertSameTable(String url, String what) {
    Dataset<Row> reference = delta(url);
    Dataset<Row> read = ours(url);
    assertEquals(names(reference.schema()), names(read.schema()), what + ": columns");
    for (StructField f : reference.schema().fields()) {
      assertEquals(f.dataType(), read.schema().apply(f.name()).dataType(), what + ": type of " + f.name());
    }
    List<String> expected = sorted(reference, reference.schema());
    assertEquals(expected, sorted(read, reference.schema()), what + ": rows");
    assertTrue(!expected.isEmpty() || what.contains("empty"), what + ": some rows");
  }

  private static List<String> names(StructType schema) {
    return List.of(schema.fieldNames());
  }

  /** Every type Spark writes, and partition values that need escaping, nulls, dates and timestamps. */
  private static Dataset<Row> rows(int from, int to) {
    return spark.range(from, to).selectExpr("id", "cast(id as int) as i", "cast(id as short) as sh",
        "cast(id % 100 as byte) as by", "id * 1.5 as d", "cast(id * 0.25 as float) as f", "cast(id as decimal(12,3)) as dec",
        "concat('s', id) as s", "cast(concat('b', id) as binary) as bin", "id % 2 = 0 as flag",
        "date_add(date'2020-01-01', cast(id as int)) as day", "timestamp_seconds(id * 3600 + 7) as ts",
        "array(id, id + 1) as arr", "named_struct('a', id, 'b', concat('n', id)) as st", "map('k', id) as m",
        "case id % 6 when 0 then 'a/b' when 1 then 'x=y' when 2 then '50%' when 3 then 'sp ace' "
            + "when 4 then 'ü日本' else null end as p",
        "date_add(date'2021-06-01', cast(id % 3 as int)) as pd",
        "timestamp_seconds(1600000000 + (id % 2) * 1800) as pts");
  }

  @Test
  void deltasOwnReaderReadsOurTablesAsWeDo() {
    String t = root + "ours/";
    rows(0, 30).write().format("metaflow-s3").options(settings.toOptions()).partitionBy("p", "pd", "pts").save(t);
    assertSameTable(t, "created");
    rows(30, 45).write().format("metaflow-s3").options(settings.toOptions()).mode("append")
        .partitionBy("p", "pd", "pts").save(t);
    assertSameTable(t, "appended");
    assertEquals(45, delta(t).count());
    rows(100, 103).write().format("metaflow-s3").options(settings.toOptions()).mode("overwrite")
        .option("partitionOverwriteMode", "dynamic").partitionBy("p", "pd", "pts").save(t);
    assertSameTable(t, "dynamic partition overwrite");
    rows(200, 212).write().format("metaflow-s3").options(settings.toOptions()).mode("overwrite")
        .partitionBy("p", "pd", "pts").save(t);
    assertSameTable(t, "overwritten");
    assertEquals(12, delta(t).count());
    // Version 0 is the empty table our writer creates when the first write begins; 2 is after the append.
    assertEquals(45, spark.read().format("delta").option("versionAsOf", 2).load(t).count(), "Delta's time travel");
    assertEquals(45, spark.read().format("metaflow-s3").options(settings.toOptions()).option("versionAsOf", 2)
        .load(t).count(), "our time travel");
    String empty = root + "empty/";
    rows(0, 0).write().format("metaflow-s3").options(settings.toOptions()).save(empty);
    assertSameTable(empty, "empty");
  }

  /** Delta's idempotent writes (options txnAppId and txnVersion): our writer and Delta's honour each other's. */
  @Test
  void transactionIdsSkipRerunsAsDeltasOwnWriterDoes() {
    String t = root + "idempotent/";
    java.util.function.BiConsumer<String, Long> ours = (app, version) -> rows(0, 10).selectExpr("id", "s").write()
        .format("metaflow-s3").options(settings.toOptions()).option("txnAppId", app).option("txnVersion", version)
        .mode("append").save(t);
    java.util.function.BiConsumer<String, Long> theirs = (app, version) -> rows(0, 10).selectExpr("id", "s").write()
        .format("delta").option("txnAppId", app).option("txnVersion", version).mode("append").save(t);
    ours.accept("nightly", 1L);
    ours.accept("nightly", 1L);
    assertEquals(10, delta(t).count(), "our rerun of version 1 added nothing");
    theirs.accept("nightly", 1L);
    assertEquals(10, delta(t).count(), "Delta's writer skips the version we committed");
    theirs.accept("nightly", 2L);
    ours.accept("nightly", 2L);
    ours.accept("nightly", 1L);
    assertEquals(20, delta(t).count(), "we skip the version Delta's writer committed, and older ones");
    ours.accept("nightly", 3L);
    ours.accept("other-app", 1L);
    assertSameTable(t, "idempotent appends");
    assertEquals(40, ours(t).count());
  }

  @Test
  void weReadDeltasOwnTablesAsItDoes() {
    String t = root + "theirs/";
    rows(0, 20).write().format("delta").partitionBy("p").save(t);
    spark.sql("ALTER TABLE delta.`" + t + "` SET TBLPROPERTIES (delta.checkpointInterval = 2)");
    assertSameTable(t, "created by Delta");
    rows(20, 30).write().format("delta").mode("append").save(t);
    rows(40, 70).where("p = 'a/b'").write().format("delta").mode("overwrite").option("replaceWhere", "p = 'a/b'")
        .save(t);
    assertSameTable(t, "replaceWhere");
    rows(50, 55).withColumn("extra", org.apache.spark.sql.functions.lit("new")).write().format("delta")
        .mode("append").option("mergeSchema", "true").save(t);
    assertSameTable(t, "schema evolved");
    spark.sql("OPTIMIZE delta.`" + t + "`");
    assertSameTable(t, "optimized (and checkpointed)");
    assertEquals(spark.read().format("delta").option("versionAsOf", 2).load(t).count(),
        spark.read().format("metaflow-s3").options(settings.toOptions()).option("versionAsOf", 2).load(t).count(),
        "time travel");
  }

  @Test
  void mergeSchemaAddsColumnsAsDeltasOwnWriterDoes() {
    String ours = root + "merge-ours/";
    String theirs = root + "merge-theirs/";
    Dataset<Row> first = rows(0, 10).selectExpr("id", "s", "p");
    Dataset<Row> wider = rows(10, 20).selectExpr("d", "id", "s", "st", "p"); // new columns, another order
    Dataset<Row> narrower = rows(20, 25).selectExpr("id", "p"); // columns missing: null in its rows
    for (String[] target : new String[][] {{ours, "metaflow-s3"}, {theirs, "delta"}}) {
      for (Dataset<Row> data : List.of(first, wider, narrower)) {
        data.write().format(target[1]).options(settings.toOptions()).mode("append").option("mergeSchema", "true")
            .partitionBy("p").save(target[0]);
      }
    }
    assertEquals(delta(theirs).schema().toDDL(), ours(ours).schema().toDDL(), "the merged schema, as Delta merges");
    assertEquals(sorted(delta(theirs), delta(theirs).schema()), sorted(ours(ours), delta(theirs).schema()));
    assertSameTable(ours, "merged schema");
    assertEquals(25, ours(ours).count());
    Exception mismatch = assertThrows(Exception.class, () -> rows(30, 31).selectExpr("id", "cast(id as int) as s", "p")
        .write().format("metaflow-s3").options(settings.toOptions()).mode("append").option("mergeSchema", "true")
        .partitionBy("p").save(ours));
    assertTrue(String.valueOf(mismatch.getMessage()).contains("does not fit"), mismatch.getMessage());
    Exception unmerged = assertThrows(Exception.class, () -> rows(30, 31).selectExpr("id", "s", "p", "1 as more")
        .write().format("metaflow-s3").options(settings.toOptions()).mode("append").partitionBy("p").save(ours));
    assertTrue(String.valueOf(unmerged.getMessage()).contains("mergeSchema"), unmerged.getMessage());
    assertEquals(25, ours(ours).count(), "refused writes left nothing");
  }

  @Test
  void aTableMappingColumnsToOtherNamesIsRefusedNotMisread() {
    String t = root + "mapped/";
    // Created with column mapping on, Delta names each column's values col-<uuid> in the files.
    String defaultMapping = "spark.databricks.delta.properties.defaults.columnMapping.mode";
    spark.conf().set(defaultMapping, "name");
    try {
      rows(0, 5).selectExpr("id", "s").write().format("delta").save(t);
    } finally {
      spark.conf().unset(defaultMapping);
    }
    assertEquals(5, delta(t).count());
    Exception e = assertThrows(Exception.class, () -> ours(t).collectAsList());
    assertTrue(String.valueOf(e.getMessage()).contains("delta.columnMapping.mode=name with columns stored under "
        + "other names"), e.getMessage());
  }

  @Test
  void aTableWithDeletionVectorsIsRefusedNotMisread() {
    String t = root + "dv/";
    rows(0, 20).write().format("delta").save(t);
    spark.sql("ALTER TABLE delta.`" + t + "` SET TBLPROPERTIES (delta.enableDeletionVectors = true)");
    spark.sql("DELETE FROM delta.`" + t + "` WHERE id % 5 = 0");
    Exception e = assertThrows(Exception.class, () -> ours(t).collectAsList());
    assertTrue(String.valueOf(e.getMessage()).contains("deletion vectors"), e.getMessage());
  }

  @Test
  void filesAreSkippedByColumnStatisticsAsDeltasOwnReaderSkipsThem() {
    String ourTable = root + "skipping-ours/";
    String theirTable = root + "skipping-theirs/";
    Dataset<Row> ranges = spark.range(0, 1000).repartitionByRange(10, org.apache.spark.sql.functions.col("id"))
        .selectExpr("id", "concat('s', lpad(cast(id as string), 4, '0')) as s",
            "date_add(date'2020-01-01', cast(id as int)) as day", "cast(id % 7 as string) as p");
    ranges.write().format("metaflow-s3").options(settings.toOptions()).save(ourTable);
    ranges.write().format("delta").save(theirTable);
    for (String t : List.of(ourTable, theirTable)) {
      for (String where : List.of("id >= 950", "id = 5 or id in (512, 513)", "s < 's0100'",
          "day > date'2022-06-01'", "not (id < 900)", "id is null", "p = '3' and id < 50", "id + 1 = 10")) {
        List<String> expected = sorted(delta(t).where(where), delta(t).schema());
        assertEquals(expected, sorted(ours(t).where(where), delta(t).schema()), where + " on " + t + ": rows");
        assertEquals(filesScanned(delta(t).where(where)), filesScanned(ours(t).where(where)),
            where + " on " + t + ": the files Delta's reader scans");
      }
      assertTrue(filesScanned(ours(t).where("id >= 950")).size() < 3, "files are skipped at all");
    }
  }

  /** The Spark file partition inside one of our input partitions (a record private to the connector). */
  private static org.apache.spark.sql.execution.datasources.FilePartition filePartitionOf(Object inputPartition) {
    try {
      java.lang.reflect.Method files = inputPartition.getClass().getDeclaredMethod("files");
      files.setAccessible(true);
      return (org.apache.spark.sql.execution.datasources.FilePartition) files.invoke(inputPartition);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  /** The files a query's scan reads, by name, from its executed plan. */
  private static List<String> filesScanned(Dataset<Row> df) {
    java.util.Set<String> files = new java.util.TreeSet<>();
    df.queryExecution().executedPlan().foreach(node -> {
      List<org.apache.spark.sql.execution.datasources.FilePartition> partitions = new java.util.ArrayList<>();
      if (node instanceof org.apache.spark.sql.execution.FileSourceScanExec scan) {
        for (org.apache.spark.Partition p : scan.inputRDD().partitions()) {
          partitions.add((org.apache.spark.sql.execution.datasources.FilePartition) p);
        }
      } else if (node instanceof org.apache.spark.sql.execution.datasources.v2.BatchScanExec scan) {
        for (org.apache.spark.sql.connector.read.InputPartition p
            : scala.jdk.javaapi.CollectionConverters.asJava(scan.inputPartitions())) {
          partitions.add(filePartitionOf(p));
        }
      }
      for (org.apache.spark.sql.execution.datasources.FilePartition p : partitions) {
        for (org.apache.spark.sql.execution.datasources.PartitionedFile f : p.files()) {
          String path = f.urlEncodedPath();
          files.add(path.substring(path.lastIndexOf('/') + 1));
        }
      }
      return null;
    });
    return List.copyOf(files);
  }
}
