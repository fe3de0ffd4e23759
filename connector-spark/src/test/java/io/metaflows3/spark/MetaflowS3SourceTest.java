package io.metaflows3.spark;

import io.metaflows3.core.SharedClients;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.metaflows3.core.metaflow.FlowRun;
import io.metaflows3.core.LocalS3;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Object;
import io.metaflows3.core.api.S3PutObject;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.local.LocalS3Extension;
import io.metaflows3.local.LocalS3Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(LocalS3Extension.class)
class MetaflowS3SourceTest {
  private static SparkSession spark;
  private final LocalS3Server server;
  private final S3Settings settings;

  MetaflowS3SourceTest(LocalS3Server server) {
    this.server = server;
    this.settings = LocalS3.settings(server).build();
  }

  @BeforeAll
  static void startSpark() {
    // local[2, 4]: two threads, and a failed task is retried up to 4 times, as on a cluster.
    spark = LocalSpark.builder("local[2,4]", "metaflow-s3-test").config("spark.sql.shuffle.partitions", "4")
        .getOrCreate();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  private DataFrameReader reader(String format) {
    return spark.read().format("metaflow-s3").option("format", format).option("endpoint", server.endpoint().toString())
        .option("accessKeyId", LocalS3Server.ACCESS_KEY_ID).option("secretAccessKey", LocalS3Server.SECRET_ACCESS_KEY);
  }

  private Map<String, String> writeOptions() {
    Map<String, String> o = new HashMap<>();
    o.put("endpoint", server.endpoint().toString());
    o.put("accessKeyId", LocalS3Server.ACCESS_KEY_ID);
    o.put("secretAccessKey", LocalS3Server.SECRET_ACCESS_KEY);
    return o;
  }

  private String url(String key) {
    return LocalS3.root(server, "spark/" + key);
  }

  private S3 client() {
    return S3.builder().settings(settings).environment(Map.of()).build();
  }

  @Test
  void binaryRowsAndColumnPruning() {
    try (S3 s3 = client()) {
      s3.put(S3PutObject.of(url("bin/a.txt"), "alpha").withMetadata(Map.of("owner", "me")));
      s3.put(url("bin/sub/b.txt"), "beta");
    }
    Dataset<Row> df = reader("binary").load(url("bin/"));
    List<Row> rows = df.orderBy("url").collectAsList();
    assertEquals(2, rows.size());
    assertEquals(url("bin/a.txt"), rows.get(0).getAs("url"));
    assertEquals("spark/bin/a.txt", rows.get(0).getAs("key"));
    assertEquals(5L, (long) rows.get(0).getAs("size"));
    assertEquals("alpha", new String((byte[]) rows.get(0).getAs("content")));
    assertEquals("me", rows.get(0).<scala.collection.Map<String, String>>getAs("metadata").get("owner").get());
    assertEquals("text/plain", rows.get(1).getAs("content_type"),
        "no type sent (as metaflow): the server's default, which S3Proxy takes from the name's .txt");
    // Without content or info columns, no object is fetched: only the listing's sizes are read.
    long before = SharedClients.get(settingsOfReader()).stats().getRequests();
    assertEquals(9L, df.select("url", "size").agg(org.apache.spark.sql.functions.sum("size")).first().getLong(0));
    assertEquals(before, SharedClients.get(settingsOfReader()).stats().getRequests());
  }

  /**
   * Two queries at once share the executor's client, and each reports its own tasks' requests: one GET per
   * object it reads, none of the other query's (nor the driver's listing).
   */
  @Test
  void taskMetricsCountEachTasksOwnRequests() throws Exception {
    try (S3 s3 = client()) {
      List<S3PutObject> puts = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        puts.add(S3PutObject.of(url((i % 3 == 0 ? "metrics-a/" : "metrics-b/") + i), new byte[1000 + i]));
      }
      s3.putMany(puts);
    }
    for (int round = 0; round < 3; round++) {
      Dataset<Row> a = reader("binary").load(url("metrics-a/")).select("content");
      Dataset<Row> b = reader("binary").load(url("metrics-b/")).select("content");
      Thread other = new Thread(b::collectAsList);
      other.start();
      assertEquals(100, a.collectAsList().size());
      other.join();
      assertEquals(100L, scanMetric(a, "s3Requests"), "one GET per object of a");
      assertEquals(200L, scanMetric(b, "s3Requests"), "one GET per object of b");
      assertEquals(0L, scanMetric(a, "s3Retries"));
    }
  }

  /** The sum over tasks of a scan's metric in the plan that ran (the last execution of {@code df}). */
  private static long scanMetric(Dataset<Row> df, String name) {
    org.apache.spark.sql.execution.SparkPlan plan = df.queryExecution().executedPlan();
    while (!(plan instanceof org.apache.spark.sql.execution.datasources.v2.BatchScanExec)) {
      plan = plan instanceof org.apache.spark.sql.execution.adaptive.AdaptiveSparkPlanExec adaptive
          ? adaptive.executedPlan() : plan.children().head();
    }
    return plan.metrics().get(name).get().value();
  }

  private S3Settings settingsOfReader() {
    return S3Settings.fromOptions(writeOptions(), S3Settings.defaults());
  }

  @Test
  void textLinesOnceAcrossPartitionsWithRunAndSeveralPaths() {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 3000; i++) {
      text.append("line-").append(i).append(" ").append("z".repeat(i % 17)).append('\n');
    }
    String s3root = url("runs");
    try (S3 s3 = S3.builder().settings(settings).s3root(s3root).run(FlowRun.of("TextFlow", "3")).build()) {
      s3.put("logs/big.txt", text.toString());
      s3.put("more/small.txt", "one\ntwo");
    }
    Dataset<Row> lines = reader("text").option("run", "TextFlow/3").option("s3root", s3root)
        .option("splitSize", "1000").load("logs/", "more/");
    assertTrue(lines.rdd().getNumPartitions() > 20, "a 60 KB object cut into ~1 KB ranges");
    List<String> got = lines.as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    assertEquals(3002, got.size());
    assertEquals(3002, got.stream().distinct().count());
    assertTrue(got.contains("line-2999 " + "z".repeat(2999 % 17)) && got.contains("two"));
  }

  @Test
  void parquetRoundTripWithPartitionPruning() {
    StructType schema = new StructType().add("country", DataTypes.StringType).add("id", DataTypes.LongType)
        .add("x", DataTypes.DoubleType).add("label", DataTypes.StringType);
    List<Row> rows = new ArrayList<>();
    String[] countries = {"DE", "FR", "US", "JP"};
    for (int i = 0; i < 400; i++) {
      rows.add(RowFactory.create(countries[i % 4], (long) i, i * 0.5, i % 10 == 0 ? null : "r" + i));
    }
    Dataset<Row> df = spark.createDataFrame(rows, schema).repartition(3);
    df.write().format("metaflow-s3").options(writeOptions()).partitionBy("country").mode(SaveMode.Append)
        .save(url("table/"));

    Dataset<Row> all = reader("parquet").load(url("table/"));
    assertEquals(400, all.count());
    assertEquals(DataTypes.StringType, all.schema().apply("country").dataType());
    S3Settings readerSettings = settingsOfReader();
    long listsBefore = SharedClients.get(readerSettings).stats().listRequests();
    Dataset<Row> us = reader("parquet").load(url("table/")).where(col("country").equalTo("US"))
        .select("id", "x", "label", "country").orderBy("id");
    String plan = us.queryExecution().executedPlan().toString();
    assertTrue(plan.contains("PartitionFilters=[IsNotNull(country), EqualTo(country,US)]"), plan);
    assertTrue(plan.contains("partitions=(country IS NOT NULL AND country = US)"), plan);
    List<Row> usRows = us.collectAsList();
    assertEquals(100, usRows.size());
    assertEquals(2L, usRows.get(0).getLong(0));
    assertEquals(1.0, usRows.get(0).getDouble(1));
    assertEquals("US", usRows.get(0).getString(3));
    assertTrue(usRows.stream().anyMatch(r -> r.isNullAt(2)));
    long lists = SharedClients.get(readerSettings).stats().listRequests() - listsBefore;
    // A Delta table's data is never listed: the 3 folders from spark/table/ up to the bucket are probed for a log,
    // then Kernel lists the log from its first version (no checkpoint yet), once when the table is loaded (the scan
    // prunes that file list, as Spark's file sources prune theirs).
    assertEquals(3 + 1, lists, "3 probes and one listing of the log when the table is loaded");
  }

  @Test
  void aGivenSchemaSkipsInferenceGainsPartitionColumnsAndAnEmptyPrefixIsAnEmptyTable() {
    StructType schema = new StructType().add("country", DataTypes.StringType).add("id", DataTypes.LongType);
    spark.createDataFrame(List.of(RowFactory.create("US", 1L), RowFactory.create("DE", 2L)), schema).write()
        .format("metaflow-s3").options(writeOptions()).partitionBy("country").mode(SaveMode.Append)
        .save(url("given/"));
    S3Settings readerSettings = settingsOfReader();
    long getsBefore = SharedClients.get(readerSettings).stats().getRequests();
    Dataset<Row> df = reader("parquet").schema(new StructType().add("id", DataTypes.LongType)).load(url("given/"));
    assertEquals(getsBefore + 4, SharedClients.get(readerSettings).stats().getRequests(),
        "planning read the Delta log (_last_checkpoint, the newest version's checksum, the commits of the empty "
            + "table and of the write) and no Parquet footer");
    assertEquals("id BIGINT,country STRING", df.schema().toDDL().replace(" NOT NULL", ""));
    assertEquals(List.of("[1,US]", "[2,DE]"), df.orderBy("id").collectAsList().stream().map(Row::toString).toList());
    Dataset<Row> empty = reader("parquet").schema(new StructType().add("id", DataTypes.LongType))
        .load(url("nothing-here/"));
    assertEquals(0, empty.count(), "an empty prefix with a schema is an empty table");
    IllegalArgumentException typo = assertThrows(IllegalArgumentException.class, () -> reader("parquet")
        .option("partitionOverwriteMod", "dynamic").load(url("given/")).count());
    // Spark hands option names over lower-cased; the message names the typo and every known option.
    assertTrue(typo.getMessage().toLowerCase().contains("no option 'partitionoverwritemod'")
        && typo.getMessage().contains("partitionOverwriteMode"), typo.getMessage());
  }

  @Test
  void sparksOwnParquetReadsOursAndWeReadSparks(@TempDir Path dir) throws Exception {
    StructType schema = new StructType().add("k", DataTypes.IntegerType).add("v", DataTypes.StringType);
    List<Row> rows = List.of(RowFactory.create(1, "a"), RowFactory.create(2, "b"), RowFactory.create(3, null));
    spark.createDataFrame(rows, schema).coalesce(1).write().format("metaflow-s3").options(writeOptions())
        .mode(SaveMode.Append).save(url("ours/"));
    Path local = Files.createDirectories(dir.resolve("ours"));
    try (S3 s3 = client()) {
      for (S3Object o : s3.getRecursive(List.of(url("ours/")))) {
        if (o.url().endsWith(".parquet")) {
          Files.copy(o.path().orElseThrow(), local.resolve(Path.of(o.key()).getFileName()));
        }
      }
    }
    assertEquals(rows, spark.read().parquet(local.toString()).orderBy("k").collectAsList());

    Path sparks = dir.resolve("sparks");
    spark.createDataFrame(rows, schema).coalesce(2).write().option("compression", "snappy")
        .parquet(sparks.toString());
    try (S3 s3 = client(); Stream<Path> files = Files.list(sparks)) {
      Map<String, Path> upload = new HashMap<>();
      files.filter(p -> p.toString().endsWith(".parquet")).forEach(p -> upload.put(url("theirs/" + p.getFileName()), p));
      s3.putFiles(upload);
    }
    assertEquals(rows, reader("parquet").load(url("theirs/")).orderBy("k").collectAsList());
  }

  @Test
  void failedFirstAttemptsLeaveEachRowOnceAndOverwriteReplaces() {
    spark.udf().register("failFirstAttempt", (UDF1<Long, Long>) id -> {
      if (TaskContext.get().attemptNumber() == 0 && id % 50 == 7) {
        throw new IllegalStateException("injected failure on the first attempt");
      }
      return id;
    }, DataTypes.LongType);
    Dataset<Row> data = spark.range(0, 200).repartition(4)
        .selectExpr("concat('obj-', cast(failFirstAttempt(id) as string)) as key", "cast(id as string) as s")
        .selectExpr("key", "cast(s as binary) as content");
    data.write().format("metaflow-s3").options(writeOptions()).option("format", "binary").mode(SaveMode.Append)
        .save(url("retried/"));
    try (S3 s3 = client()) {
      assertTrue(s3.listRecursive(List.of(url("retried/"))).size() >= 201, "200 objects and a manifest");
    }
    Dataset<Row> back = reader("binary").load(url("retried/"));
    assertEquals(200, back.count());
    assertEquals(200, back.select("content").distinct().count());

    spark.range(0, 5).selectExpr("concat('new-', cast(id as string)) as key", "cast('x' as binary) as content")
        .write().format("metaflow-s3").options(writeOptions()).option("format", "binary").mode(SaveMode.Overwrite)
        .save(url("retried/"));
    assertEquals(5, reader("binary").load(url("retried/")).count());
    // Objects have no partition columns: a dynamic overwrite replaces them all, as Spark's rule has it.
    spark.range(0, 2).selectExpr("concat('sub/dyn-', cast(id as string)) as key", "cast('y' as binary) as content")
        .write().format("metaflow-s3").options(writeOptions()).option("format", "binary")
        .option("partitionOverwriteMode", "dynamic").mode(SaveMode.Overwrite).save(url("retried/"));
    assertEquals(2, reader("binary").load(url("retried/")).count());
  }

  @Test
  void badOptionsFailAtPlanTime() {
    assertThrows(IllegalArgumentException.class, () -> reader("xml").load(url("bin/")));
    assertThrows(IllegalArgumentException.class, () -> reader("text").load("relative/path"));
    assertThrows(IllegalArgumentException.class,
        () -> reader("text").option("run", "F/1").option("s3root", url("r")).load(url("absolute/")));
    assertThrows(IllegalArgumentException.class, () -> reader("text").option("run", "no-slash").load("x"));
    assertThrows(IllegalArgumentException.class, () -> reader("text").option("splitSize", "-5").load(url("bin/")));
    assertThrows(io.metaflows3.core.metaflow.MetaflowS3NotFound.class, () -> reader("text").load(url("nothing/here/")));
    assertThrows(IllegalArgumentException.class, () -> spark.range(3).write().format("metaflow-s3")
        .options(writeOptions()).option("format", "binary").mode(SaveMode.Append).save(url("w/")));
    for (Map<String, String> txn : List.of(Map.of("txnAppId", "a"), Map.of("txnVersion", "1"),
        Map.of("txnAppId", "a", "txnVersion", "x"), Map.of("txnAppId", "a", "txnVersion", "-1"),
        Map.of("txnAppId", " ", "txnVersion", "1"))) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> spark.range(3).write()
          .format("metaflow-s3").options(writeOptions()).options(txn).mode(SaveMode.Append).save(url("txn/")), txn::toString);
      assertTrue(e.getMessage().contains("txn") || e.getMessage().contains("transaction"), e.getMessage());
    }
  }
}
