package io.metaflows3.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.metaflows3.core.LocalS3;
import io.metaflows3.core.S3;
import io.metaflows3.core.S3Object;
import io.metaflows3.core.S3Settings;
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
    return df.collectAsList().stream().map(Row::toString).sorted().toList();
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
    compare("hidden", sparkTable("hidden", List.of("_p"), DataTypes.IntegerType, each(1, 2)), List.of("_p = 2"));
    compare("nested", sparkTable("nested", List.of("a", "b"), DataTypes.StringType,
        List.of(new Object[] {"1", "x"}, new Object[] {"1", "y"}, new Object[] {"2", "x"}, new Object[] {null, "x"})),
        List.of("a = 1 AND b = 'x'", "a = 1 OR b = 'y'", "a IS NULL", "b = 'y'"));
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
}
