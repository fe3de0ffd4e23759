package io.metaflows3.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.metaflows3.core.LocalS3;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Object;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.local.LocalS3Extension;
import io.metaflows3.local.LocalS3Server;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Date;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The table contract against its reference, side by side: tables that Spark's own {@code partitionBy(..).parquet}
 * writer laid out, with tricky partition values, read by {@code format("metaflow-s3")} and by
 * {@code spark.read.parquet} (schema and rows, with and without filters); and the reverse, our writes in every
 * mode read by Spark's parquet reader from a plain copy of the objects.
 */
@ExtendWith(LocalS3Extension.class)
class TableDifferentialTest {
  private static SparkSession spark;
  private final LocalS3Server server;
  private final S3Settings settings;
  @TempDir
  Path local;

  TableDifferentialTest(LocalS3Server server) {
    this.server = server;
    this.settings = LocalS3.settings(server).build();
  }

  @BeforeAll
  static void startSpark() {
    spark = LocalSpark.builder("local[2]", "metaflow-s3-differential").config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC").getOrCreate();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  private Dataset<Row> ours(String url) {
    return spark.read().format("metaflow-s3").option("endpoint", server.endpoint().toString())
        .option("accessKeyId", LocalS3Server.ACCESS_KEY_ID).option("secretAccessKey", LocalS3Server.SECRET_ACCESS_KEY)
        .load(url);
  }

  /** A table of {@code column} holding {@code values} (one row each, plus an id), written by Spark locally. */
  private Path sparkTable(String name, List<String> columns, DataType type, List<Object[]> values) throws IOException {
    StructType schema = new StructType().add("id", DataTypes.IntegerType);
    for (String c : columns) {
      schema = schema.add(c, type);
    }
    List<Row> rows = new ArrayList<>();
    int id = 0;
    for (Object[] v : values) {
      Object[] row = new Object[v.length + 1];
      row[0] = id++;
      System.arraycopy(v, 0, row, 1, v.length);
      rows.add(RowFactory.create(row));
    }
    Path dir = local.resolve(name);
    spark.createDataFrame(rows, schema).write().partitionBy(columns.toArray(String[]::new)).parquet(dir.toString());
    return dir;
  }

  /** Copies a local table to S3 as it is, hidden files included (as a copy with the AWS CLI would). */
  private String upload(String name, Path dir) throws IOException {
    String url = LocalS3.root(server, "differential/" + name + "/");
    Map<String, Path> files = new LinkedHashMap<>();
    try (Stream<Path> all = Files.walk(dir)) {
      all.filter(Files::isRegularFile).forEach(f -> files.put(dir.relativize(f).toString().replace('\\', '/'), f));
    }
    try (S3 s3 = S3.builder().settings(settings).s3root(url).environment(Map.of()).build()) {
      s3.putFiles(files);
    }
    return url;
  }

  private static List<String> sorted(Dataset<Row> df) {
    return df.collectAsList().stream().map(TableDifferentialTest::render).sorted().toList();
  }

  /** A row as text, binary values as hex and maps in key order, so that equal rows print equal. */
  private static String render(Object value) {
    if (value instanceof Row row) {
      List<String> fields = new ArrayList<>();
      for (int i = 0; i < row.length(); i++) {
        fields.add(render(row.get(i)));
      }
      return "[" + String.join(",", fields) + "]";
    }
    if (value instanceof byte[] bytes) {
      return "0x" + java.util.HexFormat.of().formatHex(bytes);
    }
    if (value instanceof scala.collection.Map<?, ?> map) {
      java.util.TreeMap<String, String> entries = new java.util.TreeMap<>();
      scala.jdk.javaapi.CollectionConverters.asJava(map).forEach((k, v) -> entries.put(render(k), render(v)));
      return "map" + entries;
    }
    if (value instanceof scala.collection.Iterable<?> seq) {
      List<String> items = new ArrayList<>();
      scala.jdk.javaapi.CollectionConverters.asJava(seq).forEach(v -> items.add(render(v)));
      return items.toString();
    }
    return String.valueOf(value);
  }

  private void compare(String name, Path dir, List<String> filters) throws IOException {
    String url = upload(name, dir);
    Dataset<Row> reference = spark.read().parquet(dir.toString());
    Dataset<Row> ours = ours(url);
    assertEquals(reference.schema().toDDL(), ours.schema().toDDL(), name + ": schema");
    assertEquals(sorted(reference), sorted(ours), name + ": rows");
    for (String f : filters) {
      assertEquals(sorted(reference.where(f)), sorted(ours.where(f)), name + ": rows where " + f);
    }
  }

  private static List<Object[]> each(Object... values) {
    return Arrays.stream(values).map(v -> new Object[] {v}).toList();
  }

  @Test
  void stringPartitionsWithReservedCharactersReadAsSparkReadsThem() throws IOException {
    Path dir = sparkTable("strings", List.of("p"), DataTypes.StringType,
        each("a b", "x=y", "a/b", "%41", "ü", "007", null, "plain", "100%", "a:b"));
    compare("strings", dir, List.of("p = 'x=y'", "p = 'a/b'", "p IS NULL", "p IN ('ü', '%41')", "NOT (p = 'a b')",
        "p = '007'", "p > 'b'"));
  }

  @Test
  void numericPartitionsAreTypedAndFilteredAsSparkDoes() throws IOException {
    compare("ints", sparkTable("ints", List.of("p"), DataTypes.IntegerType, each(1, 7, 7, null, -3)),
        List.of("p = 7", "p > 1", "p IS NULL", "p IS NOT NULL", "p <=> NULL", "NOT (p = 7)", "p IN (1, -3)"));
    compare("doubles", sparkTable("doubles", List.of("d"), DataTypes.StringType, each("1", "0.5", "1", "1", "1")),
        List.of("d = 1", "d < 1", "d = 0.5"));
    compare("zeros", sparkTable("zeros", List.of("m"), DataTypes.StringType, each("01", "02", "01", "1")),
        List.of("m = 1", "m = 2"));
    compare("decimals", sparkTable("decimals", List.of("n"), DataTypes.StringType,
        each("12345678901234567890", "5")), List.of("n = 5", "n > 100"));
    compare("mixed", sparkTable("mixed", List.of("x"), DataTypes.StringType, each("1", "9999999999", "2.5")),
        List.of("x = '1'", "x = '2.5'"));
  }

  @Test
  void dateTimestampHiddenAndNestedPartitionsReadAsSparkReadsThem() throws IOException {
    compare("dates", sparkTable("dates", List.of("day"), DataTypes.DateType,
        each(Date.valueOf("2021-01-01"), Date.valueOf("2021-01-02"), null)),
        List.of("day = DATE'2021-01-02'", "day >= DATE'2021-01-02'", "day IS NULL"));
    compare("timestamps", sparkTable("timestamps", List.of("ts"), DataTypes.TimestampType,
        each(Timestamp.valueOf("2021-01-01 10:00:00"), Timestamp.valueOf("2021-01-01 10:00:00.5"))),
        List.of("ts = TIMESTAMP'2021-01-01 10:00:00'", "ts > TIMESTAMP'2021-01-01 10:00:00'"));
    compare("fractions", sparkTable("fractions", List.of("ts"), DataTypes.TimestampType,
        each(Timestamp.valueOf("2021-01-01 10:00:00.25"), Timestamp.valueOf("2021-01-01 10:00:00.123456"))),
        List.of("ts = '2021-01-01 10:00:00.25'"));
    compare("hidden", sparkTable("hidden", List.of("_p"), DataTypes.IntegerType, each(1, 2)), List.of("_p = 2"));
    compare("nested", sparkTable("nested", List.of("a", "b"), DataTypes.StringType,
        List.of(new Object[] {"1", "x"}, new Object[] {"1", "y"}, new Object[] {"2", "x"}, new Object[] {null, "x"})),
        List.of("a = 1 AND b = 'x'", "a = 1 OR b = 'y'", "a IS NULL", "b = 'y'"));
  }

  /** Spark's settings for partition inference apply to ours as to its parquet source. */
  @Test
  void partitionInferenceFollowsSparksSettings() throws IOException {
    Path strings = sparkTable("uninferred", List.of("p"), DataTypes.StringType, each("007", "1", "2.5", null, "x"));
    Path times = sparkTable("ntz", List.of("ts"), DataTypes.StringType,
        each("2021-01-01 10:00:00", "2021-01-01 10:00:00.5", "2021-01-02 00:00:00"));
    Path clock = sparkTable("clock", List.of("t"), DataTypes.StringType, each("12:00:00", "12:00:01"));
    spark.conf().set("spark.sql.sources.partitionColumnTypeInference.enabled", "false");
    try {
      compare("uninferred", strings, List.of("p = '007'", "p = '1'", "p IS NULL", "p > '1'"));
    } finally {
      spark.conf().unset("spark.sql.sources.partitionColumnTypeInference.enabled");
    }
    spark.conf().set("spark.sql.timestampType", "TIMESTAMP_NTZ");
    try {
      compare("ntz", times, List.of("ts = TIMESTAMP_NTZ'2021-01-01 10:00:00.5'", "ts > '2021-01-01 10:00:00'"));
    } finally {
      spark.conf().unset("spark.sql.timestampType");
    }
    // Times of day type as TIME, which Spark 4.2 cannot collect to the driver: compared as text.
    String clockUrl = upload("clock", clock);
    assertEquals(spark.read().parquet(clock.toString()).schema().toDDL(), ours(clockUrl).schema().toDDL());
    assertEquals(sorted(spark.read().parquet(clock.toString()).selectExpr("id", "CAST(t AS STRING)")),
        sorted(ours(clockUrl).selectExpr("id", "CAST(t AS STRING)")));
  }

  /**
   * A column stored in the files and named by the folders too: Spark takes the folders' type and values, in the
   * files' position.
   */
  @Test
  void aColumnInFilesAndFoldersTakesTheFoldersTypeAndValues() throws IOException {
    Path dir = local.resolve("both");
    StructType schema = new StructType().add("a", DataTypes.StringType).add("b", DataTypes.IntegerType);
    spark.createDataFrame(List.of(RowFactory.create("zz", 5)), schema).write().parquet(dir.resolve("a=1").toString());
    spark.createDataFrame(List.of(RowFactory.create("yy", 6)), schema).write().parquet(dir.resolve("a=2").toString());
    compare("both", dir, List.of("a = 1", "a > 1", "b = 6"));
  }

  @Test
  void ourWritesInEveryModeReadAsSparksOwnWrites() throws IOException {
    String url = LocalS3.root(server, "differential/written/");
    Path reference = local.resolve("reference");
    StructType schema = new StructType().add("id", DataTypes.IntegerType).add("country", DataTypes.StringType)
        .add("day", DataTypes.DateType).add("ts", DataTypes.TimestampType);
    Timestamp ts = Timestamp.valueOf("2021-01-01 10:00:00");
    List<List<Object[]>> batches = List.of(
        List.<Object[]>of(new Object[] {1, "US", Date.valueOf("2021-01-01"), ts}, new Object[] {2, "x=y", null, ts}),
        List.<Object[]>of(new Object[] {3, "a/b", Date.valueOf("2021-01-02"), null}),
        List.<Object[]>of(new Object[] {4, "US", Date.valueOf("2021-01-01"), ts}),
        List.<Object[]>of(new Object[] {5, "DE", Date.valueOf("2021-01-03"), Timestamp.valueOf("2021-01-03 00:00:01.5")}));
    List<String> modes = List.of("append", "append", "dynamic", "overwrite");
    for (int i = 0; i < batches.size(); i++) {
      Dataset<Row> df = spark.createDataFrame(batches.get(i).stream().map(RowFactory::create).toList(), schema);
      String mode = modes.get(i).equals("dynamic") ? "overwrite" : modes.get(i);
      String overwrite = modes.get(i).equals("dynamic") ? "dynamic" : "static";
      df.write().mode(mode).option("partitionOverwriteMode", overwrite).partitionBy("country", "day", "ts")
          .parquet(reference.toString());
      df.write().format("metaflow-s3").mode(mode).option("partitionOverwriteMode", overwrite)
          .option("endpoint", server.endpoint().toString()).option("accessKeyId", LocalS3Server.ACCESS_KEY_ID)
          .option("secretAccessKey", LocalS3Server.SECRET_ACCESS_KEY).partitionBy("country", "day", "ts").save(url);
      // Overwrites remove files from the Delta log only; a vacuum with no retention deletes them, after which a
      // plain reader of the files sees what the log shows.
      io.metaflows3.core.table.Vacuum.vacuum(settings, url, java.time.Duration.ZERO, true);
      Path copy = local.resolve("copy-" + i);
      try (S3 s3 = S3.builder().settings(settings).environment(Map.of()).build()) {
        for (S3Object o : s3.getRecursive(List.of(url))) {
          Path target = copy.resolve(o.url().substring(url.length()));
          Files.createDirectories(target.getParent());
          Files.copy(o.path().orElseThrow(), target);
        }
      }
      Dataset<Row> sparksOwn = spark.read().parquet(reference.toString());
      assertEquals(sparksOwn.schema().toDDL(), ours(url).schema().toDDL(), "schema, after " + modes.get(i));
      List<String> expected = sorted(sparksOwn);
      assertEquals(expected, sorted(spark.read().parquet(copy.toString())),
          "Spark's reader, after " + modes.get(i));
      assertEquals(expected, sorted(ours(url)), "our reader, after " + modes.get(i));
    }
  }

  private org.apache.spark.sql.DataFrameWriter<Row> ourWriter(Dataset<Row> df) {
    return df.write().format("metaflow-s3").option("endpoint", server.endpoint().toString())
        .option("accessKeyId", LocalS3Server.ACCESS_KEY_ID).option("secretAccessKey", LocalS3Server.SECRET_ACCESS_KEY);
  }

  /**
   * An empty DataFrame makes an empty table with its schema, as Spark's parquet writer does. Partitioned, Spark's
   * writer leaves no file to read a schema from; ours still reads back the DataFrame's schema, from the table's log.
   */
  @Test
  void anEmptyDataFrameWritesAnEmptyReadableTable() {
    StructType schema = new StructType().add("id", DataTypes.IntegerType).add("p", DataTypes.StringType);
    Dataset<Row> empty = spark.createDataFrame(List.of(), schema);
    String url = LocalS3.root(server, "differential/empty/");
    Path reference = local.resolve("empty");
    empty.write().parquet(reference.toString());
    ourWriter(empty).save(url);
    assertEquals(spark.read().parquet(reference.toString()).schema().toDDL(), ours(url).schema().toDDL());
    assertEquals(0, ours(url).count());
    String partitioned = LocalS3.root(server, "differential/empty-partitioned/");
    ourWriter(empty).partitionBy("p").save(partitioned);
    assertEquals(schema.toDDL(), ours(partitioned).schema().toDDL());
    assertEquals(0, ours(partitioned).where("p = 'x'").count());
  }

  /**
   * Partition columns of any name Delta's log holds. Spark parses the names given to partitionBy for every data
   * source V2 (not for its parquet source), so a name that is not a plain identifier is backquoted; names Delta
   * cannot hold without column mapping (space, '=', ...) are refused by name.
   */
  @Test
  void partitionColumnsNamedAnyWayDeltaAllows() throws IOException {
    Dataset<Row> rows = spark.sql("SELECT CAST(id AS INT) AS id, CAST(id % 2 AS INT) AS `a-b`, "
        + "CAST(id % 3 AS INT) AS `x.y` FROM range(6)");
    Path reference = local.resolve("names");
    String url = LocalS3.root(server, "differential/names/");
    rows.write().partitionBy("a-b", "x.y").parquet(reference.toString());
    ourWriter(rows).partitionBy("`a-b`", "`x.y`").save(url);
    Dataset<Row> sparksOwn = spark.read().parquet(reference.toString());
    assertEquals(sparksOwn.schema().toDDL(), ours(url).schema().toDDL());
    assertEquals(sorted(sparksOwn), sorted(ours(url)));
    assertEquals(sorted(sparksOwn.where("`x.y` = 1")), sorted(ours(url).where("`x.y` = 1")));
    Exception unquoted = assertThrows(Exception.class, () -> ourWriter(rows).partitionBy("a-b").save(url));
    assertTrue(unquoted.getMessage().contains("`a-b`"), unquoted.getMessage());
    Exception spaced = assertThrows(Exception.class, () -> ourWriter(rows.withColumnRenamed("a-b", "a b"))
        .partitionBy("`a b`").save(LocalS3.root(server, "differential/spaced/")));
    assertTrue(String.valueOf(spaced.getMessage()).contains("a b"), spaced.getMessage());
  }

  /** The query's tasks are kept, as Spark's writer keeps them: one file per task and folder, no shuffle of ours. */
  @Test
  void aPartitionedWriteKeepsTheQuerysTasks() throws IOException {
    Dataset<Row> rows = spark.range(0, 90).selectExpr("CAST(id AS INT) AS x", "CAST(id % 3 AS STRING) AS p")
        .repartition(3);
    Path reference = local.resolve("write-tasks");
    String url = LocalS3.root(server, "differential/write-tasks/");
    rows.write().partitionBy("p").parquet(reference.toString());
    ourWriter(rows).partitionBy("p").save(url);
    long sparksFiles;
    try (Stream<Path> files = Files.walk(reference)) {
      sparksFiles = files.filter(f -> f.toString().endsWith(".parquet")).count();
    }
    try (S3 s3 = S3.builder().settings(settings).environment(Map.of()).build()) {
      assertEquals(sparksFiles, s3.listRecursive(List.of(url)).stream().filter(o -> o.url().endsWith(".parquet"))
          .count(), "one file per task and folder");
    }
    assertEquals(sorted(spark.read().parquet(reference.toString())), sorted(ours(url)));
  }

  /** Files a query read: Spark's parquet scan counts them ("numFiles"), ours its objects ("s3Objects"). */
  private static long filesScanned(Dataset<Row> query) {
    return metric(query, "numFiles") + metric(query, S3TaskMetrics.OBJECTS);
  }

  /** A SQL metric of a query's scans, summed, after running it. */
  private static long metric(Dataset<Row> query, String name) {
    query.collectAsList();
    long sum = 0;
    for (org.apache.spark.sql.execution.SparkPlan leaf : scala.jdk.javaapi.CollectionConverters.asJava(
        query.queryExecution().executedPlan().collectLeaves())) {
      if (leaf.metrics().contains(name)) {
        sum += leaf.metrics().apply(name).value();
      }
    }
    return sum;
  }

  /**
   * Any deterministic condition on partition columns prunes files as Spark's parquet source prunes them (Spark's
   * own evaluation on each object's partition values), and so does a join's dynamic partition pruning.
   */
  @Test
  void partitionPruningOnAnyExpressionAndAtRunTimeAsSparksParquetSource() throws IOException {
    List<Object[]> values = new ArrayList<>();
    for (String fruit : List.of("apple", "avocado", "banana")) {
      for (int p = 0; p < 20; p++) {
        values.add(new Object[] {fruit, Integer.toString(p)});
      }
    }
    Path dir = sparkTable("pruning", List.of("fruit", "p"), DataTypes.StringType, values);
    String url = upload("pruning", dir);
    spark.conf().set("spark.sql.adaptive.enabled", "false");
    try {
      Dataset<Row> reference = spark.read().parquet(dir.toString());
      Dataset<Row> ours = ours(url);
      for (String f : List.of("fruit LIKE 'a%'", "startswith(fruit, 'ban')", "length(fruit) = 6", "p % 5 = 0",
          "fruit = 'apple' AND p > 10", "upper(fruit) = 'BANANA' OR p = 3")) {
        assertEquals(sorted(reference.where(f)), sorted(ours.where(f)), f);
        long parquetFiles = filesScanned(reference.where(f));
        assertTrue(parquetFiles < 60, f + ": Spark's parquet prunes (" + parquetFiles + " files)");
        assertEquals(parquetFiles, filesScanned(ours.where(f)), "files scanned where " + f);
        assertEquals(parquetFiles, metric(ours.where(f), S3TaskMetrics.FILES), "files read, as planned");
        assertEquals(metric(reference.where(f), "numPartitions"), metric(ours.where(f), S3TaskMetrics.PARTITIONS),
            "partitions read where " + f);
      }
      // A dimension table with a selective filter (not a literal relation, which Spark would fold away).
      spark.sql("SELECT * FROM VALUES (5, 'x'), (7, 'y') AS d(k, name)").write()
          .parquet(local.resolve("dim").toString());
      Dataset<Row> dim = spark.read().parquet(local.resolve("dim").toString()).where("name = 'x'");
      Dataset<Row> sparksJoin = reference.join(dim, reference.col("p").equalTo(dim.col("k")));
      Dataset<Row> ourJoin = ours.join(dim, ours.col("p").equalTo(dim.col("k")));
      assertEquals(sorted(sparksJoin), sorted(ourJoin));
      assertTrue(sparksJoin.queryExecution().executedPlan().toString().contains("dynamicpruningexpression"));
      String plan = ourJoin.queryExecution().executedPlan().toString();
      assertTrue(plan.contains("dynamicpruningexpression"), plan);
      // (Spark's scan pruned at run time reports no file count: compared with its scan of the partition kept.)
      assertEquals(filesScanned(reference.where("p = 5")), filesScanned(ourJoin), "files scanned by the join");
    } finally {
      spark.conf().unset("spark.sql.adaptive.enabled");
    }
  }

  /**
   * Spark's file-source options that select files (pathGlobFilter, modifiedAfter, recursiveFileLookup) select
   * the same objects as in Spark's parquet source, and Parquet's own writer keys reach Spark's writer.
   */
  @Test
  void fileSelectionOptionsAndParquetWriterKeysAsSparksParquetSource() throws Exception {
    Path dir = sparkTable("selection", List.of("p"), DataTypes.StringType, each("a", "b", "b"));
    String url = upload("selection", dir);
    Path extra;
    try (Stream<Path> files = Files.walk(dir.resolve("p=a"))) {
      extra = Files.copy(files.filter(f -> f.toString().endsWith(".parquet")).findFirst().orElseThrow(),
          dir.resolve("p=a").resolve("later.data"));
    }
    Thread.sleep(1500); // S3 keeps whole seconds: the later object is modified after every other
    try (S3 s3 = S3.builder().settings(settings).environment(Map.of()).build()) {
      s3.putFiles(Map.of(url + "p=a/later.data", extra));
      // The local copies take the objects' times, so that both sources compare the same times.
      for (S3Object o : s3.listRecursive(List.of(url))) {
        Path local = dir.resolve(o.url().substring(url.length()));
        if (Files.exists(local)) {
          Files.setLastModifiedTime(local, java.nio.file.attribute.FileTime.from(o.lastModified().orElseThrow()));
        }
      }
      java.time.Instant later = s3.info(url + "p=a/later.data").lastModified().orElseThrow();
      String threshold = java.time.LocalDateTime.ofInstant(later.minusMillis(500), java.time.ZoneOffset.UTC)
          .toString();
      for (Map<String, String> options : List.of(Map.of("pathGlobFilter", "*.parquet"),
          Map.of("recursiveFileLookup", "true"), Map.of("modifiedAfter", threshold))) {
        Dataset<Row> reference = spark.read().options(options).parquet(dir.toString());
        Dataset<Row> ours = spark.read().format("metaflow-s3").options(options)
            .option("endpoint", server.endpoint().toString()).option("accessKeyId", LocalS3Server.ACCESS_KEY_ID)
            .option("secretAccessKey", LocalS3Server.SECRET_ACCESS_KEY).load(url);
        assertEquals(reference.schema().toDDL(), ours.schema().toDDL(), options.toString());
        assertEquals(sorted(reference), sorted(ours), options.toString());
      }
    }
    String written = LocalS3.root(server, "differential/writer-keys/");
    ourWriter(spark.range(0, 1000).selectExpr("CAST(id % 2 AS STRING) AS s")).option("parquet.enable.dictionary",
        "false").save(written);
    try (S3 s3 = S3.builder().settings(settings).environment(Map.of()).build()) {
      S3Object file = s3.getRecursive(List.of(written)).stream().filter(o -> o.url().endsWith(".parquet"))
          .findFirst().orElseThrow();
      try (var reader = org.apache.parquet.hadoop.ParquetFileReader.open(
          org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(
              file.path().orElseThrow().toUri()), new org.apache.hadoop.conf.Configuration()))) {
        assertTrue(reader.getFooter().getBlocks().get(0).getColumns().get(0).getEncodings().stream()
            .noneMatch(e -> e.usesDictionary()), "no dictionary, as parquet.enable.dictionary=false asks");
      }
    }
  }

  /** {@code _metadata} has Spark's fields, per file as Spark's parquet source gives them (path and time S3's). */
  @Test
  void theMetadataColumnAsSparksParquetSource() throws IOException {
    Path dir = sparkTable("metadata", List.of("p"), DataTypes.StringType, each("a", "b"));
    String url = upload("metadata", dir);
    String columns = "id, p, _metadata.file_name, _metadata.file_size, _metadata.file_block_start, "
        + "_metadata.file_block_length";
    Dataset<Row> reference = spark.read().parquet(dir.toString());
    // Spark's base fields (its parquet source adds row_index, which its readers make and ours do not).
    assertEquals(reference.selectExpr(columns.split(", ")).schema().toDDL(),
        ours(url).selectExpr(columns.split(", ")).schema().toDDL());
    assertEquals(sorted(reference.selectExpr(columns.split(", "))), sorted(ours(url).selectExpr(columns.split(", "))));
    assertEquals(sorted(reference.where("_metadata.file_size > 0").select("id")),
        sorted(ours(url).where("_metadata.file_size > 0").select("id")));
    try (S3 s3 = S3.builder().settings(settings).environment(Map.of()).build()) {
      for (Row r : ours(url).selectExpr("_metadata.file_path", "_metadata.file_modification_time")
          .collectAsList()) {
        S3Object o = s3.info(r.getString(0));
        assertEquals(o.lastModified().orElseThrow(), r.getTimestamp(1).toInstant(), r.getString(0));
      }
    }
  }

  /** A user's sort within the query's tasks is kept in each file, as Spark's writer keeps it. */
  @Test
  void aPartitionedWriteKeepsTheUsersSortOrder() throws IOException {
    Dataset<Row> rows = spark.range(0, 90).selectExpr("CAST(id AS INT) AS x", "CAST(id % 3 AS STRING) AS p")
        .repartition(3).sortWithinPartitions(org.apache.spark.sql.functions.col("p"),
            org.apache.spark.sql.functions.col("x").desc()); // descending: no order the data has by chance
    Path reference = local.resolve("sorted");
    String url = LocalS3.root(server, "differential/sorted/");
    rows.write().partitionBy("p").parquet(reference.toString());
    ourWriter(rows).partitionBy("p").save(url);
    List<String> sparksFiles;
    try (Stream<Path> files = Files.walk(reference)) {
      sparksFiles = files.filter(f -> f.toString().endsWith(".parquet")).map(Path::toString).toList();
    }
    for (String file : sparksFiles) {
      List<Integer> xs = spark.read().parquet(file).collectAsList().stream().map(r -> r.<Integer>getAs("x")).toList();
      assertEquals(xs.stream().sorted(java.util.Comparator.reverseOrder()).toList(), xs,
          "Spark's " + file + " in the user's order");
    }
    List<String> ourFiles;
    try (S3 s3 = S3.builder().settings(settings).environment(Map.of()).build()) {
      ourFiles = s3.listRecursive(List.of(url)).stream().map(S3Object::url).filter(u -> u.endsWith(".parquet"))
          .toList();
    }
    assertEquals(sparksFiles.size(), ourFiles.size());
    for (String file : ourFiles) {
      List<Integer> xs = ours(url).where("_metadata.file_path = '" + file + "'").collectAsList().stream()
          .map(r -> r.<Integer>getAs("x")).toList();
      assertEquals(xs.stream().sorted(java.util.Comparator.reverseOrder()).toList(), xs,
          file + " in the user's order");
    }
  }

  /** Option maxRecordsPerFile as Spark's writers read it: rows per file, 0 or less for no limit. */
  @Test
  void maxRecordsPerFileAsSparkReadsIt() throws IOException {
    Dataset<Row> rows = spark.range(0, 10).selectExpr("CAST(id AS INT) AS id").coalesce(1);
    for (String limit : List.of("3", "0", "-1")) {
      String url = LocalS3.root(server, "differential/records-" + limit + "/");
      Path reference = local.resolve("records-" + limit);
      rows.write().option("maxRecordsPerFile", limit).parquet(reference.toString());
      ourWriter(rows).option("maxRecordsPerFile", limit).save(url);
      long sparksFiles;
      try (Stream<Path> files = Files.walk(reference)) {
        sparksFiles = files.filter(f -> f.toString().endsWith(".parquet")).count();
      }
      try (S3 s3 = S3.builder().settings(settings).environment(Map.of()).build()) {
        assertEquals(sparksFiles, s3.listRecursive(List.of(url)).stream().filter(o -> o.url().endsWith(".parquet"))
            .count(), "files for maxRecordsPerFile " + limit);
      }
      assertEquals(10, ours(url).count());
    }
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> ourWriter(rows).option("maxRecordsPerFile", "1k").save(LocalS3.root(server, "differential/bad/")));
    assertTrue(bad.getMessage().contains("maxRecordsPerFile"), bad.getMessage());
  }

  /** A column of every type Spark writes to Parquet (nulls in every column on some rows), partitioned by part. */
  private Dataset<Row> everyType() {
    String[] columns = {
        "CAST(id AS TINYINT) AS tiny", "CAST(id * 300 AS SMALLINT) AS small", "CAST(id * 70000 AS INT) AS i",
        "id * 1000000000000 AS l", "CAST(id / 3 AS FLOAT) AS f", "id / 7 AS d", "CAST(id / 3 AS DECIMAL(5,2)) AS dec5",
        "CAST(id * 123456.789 AS DECIMAL(18,4)) AS dec18", "CAST(id * 1e20 + 0.123 AS DECIMAL(38,10)) AS dec38",
        "CONCAT('s', id, '-ü') AS s", "CAST(CONCAT('b', id) AS BINARY) AS bin", "id % 2 = 0 AS bool",
        "DATE_ADD(IF(id = 1, DATE'1500-03-01', DATE'2020-02-28'), CAST(id AS INT)) AS day",
        "TIMESTAMP'2021-03-14 01:59:59.123456' + MAKE_INTERVAL(0, 0, 0, CAST(id AS INT)) AS ts",
        "IF(id = 2, TIMESTAMP'1400-01-01 00:00:00', TIMESTAMP'2020-01-01 12:00:00') AS ts_old",
        "TIMESTAMP_NTZ'2021-01-01 00:00:00' + MAKE_INTERVAL(0, 0, 0, 0, CAST(id AS INT)) AS ntz",
        "ARRAY(id, id + 1, NULL) AS arr", "ARRAY(NAMED_STRUCT('x', id, 'y', CONCAT('y', id))) AS arr_of_structs",
        "NAMED_STRUCT('a', id, 'b', NAMED_STRUCT('c', CONCAT('c', id), 'd', ARRAY(1.5D, CAST(id AS DOUBLE)))) AS st",
        "MAP(CONCAT('k', id), id, 'z', NULL) AS m", "ARRAY(ARRAY(id), ARRAY()) AS nested",
        "MAP(id, NAMED_STRUCT('v', ARRAY(CONCAT('v', id)))) AS map_of_structs"};
    List<String> select = new ArrayList<>(List.of("id"));
    for (String c : columns) {
      int as = c.lastIndexOf(" AS ");
      select.add("IF(id % 7 = 3, NULL, " + c.substring(0, as) + ")" + c.substring(as));
    }
    select.add("CAST(id % 3 AS STRING) AS part");
    return spark.range(0, 30).selectExpr(select.toArray(String[]::new));
  }

  private static final List<String> DATA_FILTERS = List.of("i > 500000", "s = 's4-ü'", "dec18 >= 400000",
      "ts > TIMESTAMP'2021-03-14 02:00:05'", "day < DATE'2020-03-05'", "st.a = 5", "bool AND l < 9000000000000",
      "tiny IN (1, 2, 20)", "small IS NULL", "ntz < TIMESTAMP_NTZ'2021-01-01 00:10:00'", "dec38 > 5e20");

  @Test
  void everyTypeSparkWritesReadsAsSparkReadsIt() throws IOException {
    Map<String, String> writers = new LinkedHashMap<>();
    writers.put("int96", "INT96");
    writers.put("micros", "TIMESTAMP_MICROS");
    writers.put("millis-legacy", "TIMESTAMP_MILLIS");
    for (Map.Entry<String, String> w : writers.entrySet()) {
      spark.conf().set("spark.sql.parquet.outputTimestampType", w.getValue());
      spark.conf().set("spark.sql.parquet.writeLegacyFormat", Boolean.toString(w.getKey().endsWith("legacy")));
      Path dir = local.resolve("types-" + w.getKey());
      everyType().write().partitionBy("part").parquet(dir.toString());
      spark.conf().unset("spark.sql.parquet.outputTimestampType");
      spark.conf().unset("spark.sql.parquet.writeLegacyFormat");
      compare("types-" + w.getKey(), dir, DATA_FILTERS);
    }
    String url = LocalS3.root(server, "differential/types-int96/");
    Path dir = local.resolve("types-int96");
    for (String vectorized : List.of("true", "false")) {
      spark.conf().set("spark.sql.parquet.enableVectorizedReader", vectorized);
      for (String projection : List.of("st.b.c", "arr_of_structs", "m", "dec38", "ts", "part")) {
        assertEquals(sorted(spark.read().parquet(dir.toString()).select(projection)),
            sorted(ours(url).select(projection)), projection + ", vectorized " + vectorized);
      }
    }
    spark.conf().unset("spark.sql.parquet.enableVectorizedReader");
    String plan = ours(url).where("i > 500000").queryExecution().executedPlan().toString();
    assertTrue(plan.contains("PushedFilters=[IsNotNull(i), GreaterThan(i,500000)]"), plan);
  }

  @Test
  void everyTypeWeWriteReadsAsSparksParquetReaderReadsIt() throws IOException {
    String url = LocalS3.root(server, "differential/written-types/");
    everyType().write().format("metaflow-s3").option("endpoint", server.endpoint().toString())
        .option("accessKeyId", LocalS3Server.ACCESS_KEY_ID).option("secretAccessKey", LocalS3Server.SECRET_ACCESS_KEY)
        .option("compression", "gzip").option("maxRecordsPerFile", "4").partitionBy("part").save(url);
    Path copy = local.resolve("written-types");
    List<String> names = new ArrayList<>();
    try (S3 s3 = S3.builder().settings(settings).environment(Map.of()).build()) {
      for (S3Object o : s3.getRecursive(List.of(url))) {
        String relative = o.url().substring(url.length());
        if (!relative.startsWith("_")) {
          names.add(relative);
        }
        Path target = copy.resolve(relative);
        Files.createDirectories(target.getParent());
        Files.copy(o.path().orElseThrow(), target);
      }
    }
    assertTrue(names.stream().allMatch(n -> n.endsWith(".gz.parquet")), names.toString());
    Path sparks = local.resolve("written-types-by-spark");
    everyType().write().option("compression", "gzip").option("maxRecordsPerFile", "4").partitionBy("part")
        .parquet(sparks.toString());
    long sparksFiles;
    try (Stream<Path> files = Files.walk(sparks)) {
      sparksFiles = files.filter(f -> f.toString().endsWith(".gz.parquet")).count();
    }
    assertEquals(sparksFiles, names.size(), "files as Spark's writer makes them (4 rows at most): " + names);
    assertEquals(sorted(everyType()), sorted(spark.read().parquet(copy.toString()).select(everyType().columns()[0],
        java.util.Arrays.copyOfRange(everyType().columns(), 1, everyType().columns().length))));
    assertEquals(sorted(everyType()), sorted(ours(url).select(everyType().columns()[0],
        java.util.Arrays.copyOfRange(everyType().columns(), 1, everyType().columns().length))));
  }

  private org.apache.spark.sql.DataFrameWriter<Row> oursWrite(Dataset<Row> df) {
    return df.write().format("metaflow-s3").option("endpoint", server.endpoint().toString())
        .option("accessKeyId", LocalS3Server.ACCESS_KEY_ID).option("secretAccessKey", LocalS3Server.SECRET_ACCESS_KEY);
  }

  @Test
  void saveModesBehaveAsSparksParquetSource() {
    Path reference = local.resolve("modes");
    String url = LocalS3.root(server, "differential/modes/");
    Dataset<Row> two = spark.range(0, 2).toDF();
    Dataset<Row> three = spark.range(10, 13).toDF();
    two.write().parquet(reference.toString());
    oursWrite(two).save(url);
    org.apache.spark.sql.AnalysisException theirs = org.junit.jupiter.api.Assertions.assertThrows(
        org.apache.spark.sql.AnalysisException.class, () -> three.write().parquet(reference.toString()));
    org.apache.spark.sql.AnalysisException ourError = org.junit.jupiter.api.Assertions.assertThrows(
        org.apache.spark.sql.AnalysisException.class, () -> oursWrite(three).save(url));
    assertEquals(theirs.getCondition(), ourError.getCondition(), ourError.getMessage());
    for (String mode : List.of("ignore", "append", "overwrite", "append")) {
      three.write().mode(mode).parquet(reference.toString());
      oursWrite(three).mode(mode).save(url);
      assertEquals(sorted(spark.read().parquet(reference.toString())), sorted(ours(url)), "after " + mode);
    }
  }

  @Test
  void binaryTextMergeSchemaAndSkippedFilesAsSparksOwnSources() throws IOException {
    Path dir = local.resolve("files");
    Files.createDirectories(dir.resolve("logs"));
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < 2000; i++) {
      lines.append("line ").append(i).append('\n');
    }
    try (var gz = new java.util.zip.GZIPOutputStream(Files.newOutputStream(dir.resolve("logs/a.txt.gz")))) {
      gz.write(lines.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    Files.writeString(dir.resolve("logs/b.txt"), "one\ntwo\r\nthree");
    Files.writeString(dir.resolve("logs/empty.txt"), "");
    Files.writeString(dir.resolve("logs/_hidden.txt"), "hidden");
    Files.writeString(dir.resolve("logs/.dot.txt"), "dot");
    for (int i = 0; i < 40; i++) {
      Files.writeString(dir.resolve("logs/small-" + i + ".txt"), "small " + i);
    }
    spark.range(0, 5).selectExpr("id", "id * 2 AS a").write().parquet(dir.resolve("merge/k=1").toString());
    spark.range(5, 9).selectExpr("id", "CAST(id AS STRING) AS b").write().parquet(dir.resolve("merge/k=2").toString());
    String url = upload("files", dir);
    try (S3 s3 = S3.builder().settings(settings).environment(Map.of()).build()) {
      // Folder markers, as the S3 console's "Create folder" and Hadoop's mkdirs leave them: folders, not data.
      s3.put(url + "logs/", "");
      s3.put(url + "merge/k=1/", "");
    }

    assertEquals(sorted(spark.read().text(dir.resolve("logs").toString())),
        sorted(ours(url + "logs/", "text")), "text: gzip decompressed, empty and hidden files skipped");
    Dataset<Row> binary = ours(url + "logs/", "binary");
    Dataset<Row> sparksBinary = spark.read().format("binaryFile").load(dir.resolve("logs").toString());
    assertEquals(sparksBinary.count(), binary.count(), "binary: the same objects (empty and hidden skipped)");
    assertEquals(sparksBinary.rdd().getNumPartitions(), binary.rdd().getNumPartitions(),
        "binary: tasks cut as Spark cuts files");
    assertTrue(binary.rdd().getNumPartitions() > 1);
    Dataset<Row> merged = spark.read().option("mergeSchema", "true").parquet(dir.resolve("merge").toString());
    Dataset<Row> oursMerged = ours(url + "merge/", "parquet", "mergeSchema", "true");
    assertEquals(merged.schema().toDDL(), oursMerged.schema().toDDL());
    assertEquals(sorted(merged), sorted(oursMerged));
  }

  private Dataset<Row> ours(String url, String format, String... options) {
    org.apache.spark.sql.DataFrameReader reader = spark.read().format("metaflow-s3").option("format", format)
        .option("endpoint", server.endpoint().toString()).option("accessKeyId", LocalS3Server.ACCESS_KEY_ID)
        .option("secretAccessKey", LocalS3Server.SECRET_ACCESS_KEY);
    for (int i = 0; i < options.length; i += 2) {
      reader = reader.option(options[i], options[i + 1]);
    }
    return reader.load(url);
  }

  @Test
  void aOneColumnSelectMovesThatColumnsChunksAndTheFooterOnceForTwoQueries() throws IOException {
    String url = LocalS3.root(server, "differential/wide/");
    oursWrite(spark.range(0, 300_000).selectExpr("id", "CAST(rand(1) * 1e9 AS BIGINT) AS noise",
        "sha2(CAST(id AS STRING), 256) AS text", "rand(2) AS x").coalesce(1)).option("parquetRowGroupSize", "2m")
        .save(url);
    long chunkBytes = 0;
    long fileBytes = 0;
    try (S3 s3 = S3.builder().settings(settings).environment(Map.of()).build()) {
      for (S3Object o : s3.getRecursive(List.of(url))) {
        if (!o.url().contains("/_")) {
          fileBytes += o.size();
          var footer = org.apache.parquet.hadoop.ParquetFileReader.readFooter(
              new org.apache.parquet.io.LocalInputFile(o.path().orElseThrow()),
              org.apache.parquet.ParquetReadOptions.builder().build(), new org.apache.parquet.io.LocalInputFile(
                  o.path().orElseThrow()).newStream());
          for (var block : footer.getBlocks()) {
            for (var column : block.getColumns()) {
              if (column.getPath().toDotString().equals("x")) {
                chunkBytes += column.getTotalSize();
              }
            }
          }
        }
      }
    }
    // What went over the wire: the reader's client is the JVM's one for these settings (driver and executor here).
    var stats = io.metaflows3.core.SharedClients.get(S3Settings.fromOptions(Map.of("endpoint",
        server.endpoint().toString(), "accessKeyId", LocalS3Server.ACCESS_KEY_ID, "secretAccessKey",
        LocalS3Server.SECRET_ACCESS_KEY), S3Settings.defaults())).stats();
    long before = stats.bytesRead();
    assertEquals(300_000, ours(url).select("x").collectAsList().size());
    long moved = stats.bytesRead() - before;
    before = stats.bytesRead();
    assertEquals(300_000, ours(url).select("x").collectAsList().size());
    long again = stats.bytesRead() - before;
    assertTrue(again < 16 << 10, "a second load and select of the same version moved " + again
        + " bytes (footer and chunks are in the JVM's range cache; only the log is read again)");
    assertTrue(moved <= 1.2 * chunkBytes + (64 << 10), "moved " + moved + " bytes of a " + fileBytes
        + "-byte file to read column x's " + chunkBytes + " bytes");
  }

  /**
   * What a task fetches ahead after a file's footer: per row group, the chunks of the columns read, exactly as
   * Parquet's footer (read by Parquet's own reader from a local copy) places them.
   */
  @Test
  void theChunksFetchedAheadAreTheRowGroupsColumnsTheReaderReads() throws IOException {
    String url = LocalS3.root(server, "differential/ahead/");
    oursWrite(spark.range(0, 300_000).selectExpr("id", "rand(2) AS x", "rand(3) AS y").coalesce(1))
        .option("parquetRowGroupSize", "1m").save(url);
    try (S3 s3 = S3.builder().settings(settings).environment(Map.of()).build()) {
      S3Object parquet = s3.getRecursive(List.of(url)).stream().filter(o -> !o.url().contains("/_")).findFirst()
          .orElseThrow();
      var file = new org.apache.parquet.io.LocalInputFile(parquet.path().orElseThrow());
      var footer = org.apache.parquet.hadoop.ParquetFileReader.readFooter(file,
          org.apache.parquet.ParquetReadOptions.builder().build(), file.newStream());
      List<List<String>> expected = new ArrayList<>();
      for (var block : footer.getBlocks()) {
        expected.add(block.getColumns().stream().filter(c -> c.getPath().toDotString().equals("x"))
            .map(c -> c.getStartingPos() + "+" + c.getTotalSize()).toList());
      }
      assertTrue(expected.size() >= 4, expected.size() + " row groups");
      long size = parquet.size();
      long tailStart = size - (64 << 10);
      byte[] tail = S3.await(s3.readBytesAsync(parquet.url(), tailStart, size - tailStart, null));
      var path = io.metaflows3.hadoop.MetaflowS3FileSystem.pathOf(parquet.url());
      var task = new org.apache.spark.sql.execution.datasources.FilePartition(0,
          new org.apache.spark.sql.execution.datasources.PartitionedFile[] {
              new org.apache.spark.sql.execution.datasources.PartitionedFile(
                  org.apache.spark.sql.catalyst.InternalRow.empty(), org.apache.spark.paths.SparkPath.fromPath(path), 0,
                  size, new String[0], 0L, size, scala.collection.immutable.Map$.MODULE$.empty())});
      ParquetChunks chunks = new ParquetChunks(new StructType().add("x", DataTypes.DoubleType),
          org.apache.spark.util.SerializableConfiguration.broadcast(spark.sparkContext(),
              spark.sessionState().newHadoopConf()), new org.apache.spark.sql.sources.Filter[0],
          ParquetPushDown.of(spark.sessionState().conf()), "CORRECTED");
      List<List<String>> ahead = new ArrayList<>();
      for (var read : chunks.forTask(task, true).after(
          new io.metaflows3.hadoop.TailPrefetch.Target(parquet.url(), size, "etag"), tailStart, tail)) {
        ahead.add(read.stream().map(r -> r.getOffset() + "+" + r.getLength()).toList());
      }
      assertEquals(expected, ahead);
    }
  }

  /**
   * With a filter pushed, a task fetches ahead only the row groups the filter's statistics keep (as Spark's reader
   * reads only those): a select of the last rows by id moves about those row groups' chunks, not the file's.
   */
  @Test
  void aFilteredSelectFetchesOnlyTheRowGroupsItsStatisticsKeep() throws IOException {
    String url = LocalS3.root(server, "differential/filtered/");
    oursWrite(spark.range(0, 300_000).selectExpr("id", "rand(2) AS x", "rand(3) AS y").coalesce(1))
        .option("parquetRowGroupSize", "1m").save(url);
    long keptBytes = 0;
    int rowGroups = 0;
    try (S3 s3 = S3.builder().settings(settings).environment(Map.of()).build()) {
      for (S3Object o : s3.getRecursive(List.of(url))) {
        if (!o.url().contains("/_")) {
          var file = new org.apache.parquet.io.LocalInputFile(o.path().orElseThrow());
          var footer = org.apache.parquet.hadoop.ParquetFileReader.readFooter(file,
              org.apache.parquet.ParquetReadOptions.builder().build(), file.newStream());
          for (var block : footer.getBlocks()) {
            rowGroups++;
            var id = block.getColumns().stream().filter(c -> c.getPath().toDotString().equals("id")).findFirst()
                .orElseThrow();
            if (((Number) id.getStatistics().genericGetMax()).longValue() >= 290_000) {
              keptBytes += block.getColumns().stream().filter(c -> !c.getPath().toDotString().equals("y"))
                  .mapToLong(c -> c.getTotalSize()).sum();
            }
          }
        }
      }
    }
    assertTrue(rowGroups >= 4, rowGroups + " row groups");
    var stats = io.metaflows3.core.SharedClients.get(S3Settings.fromOptions(Map.of("endpoint",
        server.endpoint().toString(), "accessKeyId", LocalS3Server.ACCESS_KEY_ID, "secretAccessKey",
        LocalS3Server.SECRET_ACCESS_KEY), S3Settings.defaults())).stats();
    long before = stats.bytesRead();
    Dataset<Row> last = ours(url).where("id >= 290000").select("x");
    assertEquals(10_000, last.collectAsList().size());
    long moved = stats.bytesRead() - before;
    assertTrue(moved <= 1.2 * keptBytes + (64 << 10), "moved " + moved + " bytes for row groups of "
        + keptBytes + " bytes (id and x)");
  }

  /**
   * Schema inference reads the first file's footer by path, as Spark's does (here on the driver): a corrupt first
   * file fails both with Spark's own error, skipped with ignoreCorruptFiles it leaves both with nothing to infer
   * from, and mergeSchema (Spark's own job on both sides) reads past it.
   */
  @Test
  void aCorruptFirstFileFailsInferenceAsItFailsSparks() throws IOException {
    Path dir = local.resolve("corrupt");
    spark.range(0, 100).selectExpr("id", "CAST(id AS STRING) AS s").coalesce(1).write().parquet(dir.toString());
    Files.write(dir.resolve("a-corrupt.parquet"), "not a parquet file, but long enough to have a tail".getBytes());
    String url = upload("corrupt", dir);
    Exception sparks = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
        () -> spark.read().parquet(dir.toString()).schema());
    Exception oursFailed = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> ours(url).schema());
    assertTrue(sparks.getMessage().contains("CANNOT_READ_FILE_FOOTER"), sparks.getMessage());
    assertTrue(oursFailed.getMessage().contains("CANNOT_READ_FILE_FOOTER"), oursFailed.getMessage());
    assertTrue(oursFailed.getMessage().contains("a-corrupt.parquet"), oursFailed.getMessage());
    org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
        () -> spark.read().option("ignoreCorruptFiles", "true").parquet(dir.toString()).schema());
    org.junit.jupiter.api.Assertions.assertThrows(io.metaflows3.core.metaflow.MetaflowS3NotFound.class,
        () -> ours(url, "parquet", "ignoreCorruptFiles", "true").schema());
    StructType merged = spark.read().option("ignoreCorruptFiles", "true").option("mergeSchema", "true")
        .parquet(dir.toString()).schema();
    assertEquals(merged.toDDL(), ours(url, "parquet", "ignoreCorruptFiles", "true", "mergeSchema", "true").schema()
        .toDDL());
    Dataset<Row> sparksRows = spark.read().schema(merged).option("ignoreCorruptFiles", "true").parquet(dir.toString());
    Dataset<Row> oursRows = spark.read().format("metaflow-s3").schema(merged).option("ignoreCorruptFiles", "true")
        .option("endpoint", server.endpoint().toString()).option("accessKeyId", LocalS3Server.ACCESS_KEY_ID)
        .option("secretAccessKey", LocalS3Server.SECRET_ACCESS_KEY).load(url);
    assertEquals(100, sparksRows.count());
    assertEquals(sorted(sparksRows), sorted(oursRows), "the tasks skip the corrupt file as Spark's do");
  }

  /**
   * Tasks cut and packed as Spark's parquet source cuts and packs the same files, with a small maxPartitionBytes
   * so files split and tasks hold several, and folders whose order is not their files' size order: the same
   * pieces (file, start, length), and task by task the same pieces' lengths (pieces of equal length may swap:
   * Spark keeps its listing's order among them, a local folder's order here, S3's key order on S3).
   */
  @Test
  void tasksHoldThePiecesSparksOwnScanGivesThem() throws IOException {
    Path dir = local.resolve("tasks");
    spark.range(0, 240_000).selectExpr("id", "5 - CAST(pow(rand(5), 3) * 6 AS INT) AS p", "rand(3) AS x")
        .repartition(3).write().partitionBy("p").option("parquet.block.size", "65536").parquet(dir.toString());
    String url = upload("tasks", dir);
    spark.conf().set("spark.sql.files.maxPartitionBytes", "300000");
    spark.conf().set("spark.sql.files.openCostInBytes", "20000");
    try {
      List<List<String>> sparks = tasksOf(spark.read().parquet(dir.toString()));
      List<List<String>> ours = tasksOf(ours(url));
      assertTrue(sparks.size() > 3 && sparks.stream().anyMatch(t -> t.size() > 1), "tasks of several pieces: " + sparks);
      assertEquals(sparks.stream().flatMap(List::stream).sorted().toList(),
          ours.stream().flatMap(List::stream).sorted().toList(), "the same pieces");
      assertEquals(lengths(sparks), lengths(ours), "task by task, pieces of the same lengths");
    } finally {
      spark.conf().unset("spark.sql.files.maxPartitionBytes");
      spark.conf().unset("spark.sql.files.openCostInBytes");
    }
  }

  private static List<List<String>> lengths(List<List<String>> tasks) {
    return tasks.stream().map(t -> t.stream().map(piece -> piece.substring(piece.indexOf('+'))).toList()).toList();
  }

  /** Each task's pieces as "relative path@start+length", from the scan node of {@code df}'s plan. */
  private static List<List<String>> tasksOf(Dataset<Row> df) {
    List<List<String>> tasks = new ArrayList<>();
    org.apache.spark.sql.execution.SparkPlan plan = df.queryExecution().executedPlan();
    List<org.apache.spark.sql.execution.datasources.FilePartition> partitions = new ArrayList<>();
    plan.foreach(node -> {
      if (node instanceof org.apache.spark.sql.execution.FileSourceScanExec scan) {
        for (org.apache.spark.Partition p : scan.inputRDD().partitions()) {
          partitions.add((org.apache.spark.sql.execution.datasources.FilePartition) p);
        }
      } else if (node instanceof org.apache.spark.sql.execution.datasources.v2.BatchScanExec scan) {
        for (org.apache.spark.sql.connector.read.InputPartition p
            : scala.jdk.javaapi.CollectionConverters.asJava(scan.inputPartitions())) {
          partitions.add(((FilesPartition) p).files());
        }
      }
      return null;
    });
    for (org.apache.spark.sql.execution.datasources.FilePartition p : partitions) {
      List<String> pieces = new ArrayList<>();
      for (org.apache.spark.sql.execution.datasources.PartitionedFile f : p.files()) {
        String path = f.urlEncodedPath();
        String relative = java.net.URLDecoder.decode(path.substring(path.indexOf("p=")),
            java.nio.charset.StandardCharsets.UTF_8);
        pieces.add(relative + "@" + f.start() + "+" + f.length());
      }
      tasks.add(pieces);
    }
    return tasks;
  }
}
