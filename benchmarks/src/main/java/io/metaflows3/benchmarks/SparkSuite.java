package io.metaflows3.benchmarks;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;

import io.metaflows3.benchmarks.Measurement.Tool;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Object;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.local.FaultProxy;
import io.metaflows3.local.LocalS3Server;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Spark with {@code local[2]}: {@code format("metaflow-s3")} against Spark's own {@code parquet} and
 * {@code binaryFile} formats over Hadoop S3A, on a country-partitioned Parquet table (all countries, and one
 * country by a filter) and on the small objects. Every query's answer is checked against the other tool's,
 * and one extra run of each, through a counting proxy of its own (so with cold caches and a new client), counts
 * the requests it sends and times that first query. The timed runs repeat a query, so both tools' caches are warm.
 * On the table, Spark's parquet source over a local copy is the ceiling: Spark's own work for the query alone.
 */
final class SparkSuite implements AutoCloseable {
  private static final String TABLE = "bench/sales/";
  private static final String COUNTRY = "DE";
  private static final List<String> COUNTRIES = List.of("US", "IN", "BR", "DE", "GB", "FR", "JP", "MX", "ID", "NG",
      "CA", "IT", "ES", "KR", "AU", "NL", "SE", "PL", "TR", "AR", "ZA", "EG", "VN", "PH");
  private final URI endpoint;
  private final S3Settings settings;
  private final BenchData data;
  private final int runs;
  private final List<Measurement> results;
  private final SparkSession spark;
  private Path localCopy;

  SparkSuite(URI endpoint, S3Settings settings, BenchData data, int runs, List<Measurement> results) {
    this.endpoint = endpoint;
    this.settings = settings;
    this.data = data;
    this.runs = runs;
    this.results = results;
    this.spark = SparkSession.builder().master("local[2]").appName("benchmarks")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
        .config("spark.hadoop.fs.s3a.access.key", LocalS3Server.ACCESS_KEY_ID)
        .config("spark.hadoop.fs.s3a.secret.key", LocalS3Server.SECRET_ACCESS_KEY)
        .config("spark.hadoop.fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider")
        .config("spark.hadoop.fs.s3a.path.style.access", "true")
        .config("spark.hadoop.fs.s3a.connection.ssl.enabled", "false")
        .config("spark.hadoop.fs.s3a.endpoint", endpoint.toString())
        .config("spark.hadoop.fs.s3a.endpoint.region", "us-east-1")
        .getOrCreate();
  }

  void run(long rows) throws Exception {
    writeTable(rows);
    long[] all = tableFiles(null);
    long[] one = tableFiles(COUNTRY);
    String local = copyToLocalDisk();
    compare("spark table, all", all, reader -> reader.format("metaflow-s3").load(BenchData.url(TABLE)),
        "Spark parquet over S3A", reader -> reader.parquet(s3a(TABLE)),
        reader -> reader.parquet(local), SparkSuite::countAndSum);
    Column filter = col("country").equalTo(COUNTRY);
    compare("spark table, " + COUNTRY, one,
        reader -> reader.format("metaflow-s3").load(BenchData.url(TABLE)).where(filter),
        "Spark parquet over S3A, same filter", reader -> reader.parquet(s3a(TABLE)).where(filter),
        reader -> reader.parquet(local).where(filter), SparkSuite::countAndSum);
    compare("spark small", new long[] {data.smallKeys.size(), data.smallBytes},
        reader -> reader.format("metaflow-s3").option("format", "binary").load(BenchData.url(BenchData.SMALL)),
        "Spark binaryFile over S3A", reader -> reader.format("binaryFile").load(s3a(BenchData.SMALL)), null,
        df -> df.agg(count(lit(1)), sum(length(col("content")))).first().toString());
  }

  /**
   * The table copied to a local folder, a file per country as on S3: Spark's parquet source reading it there is
   * the ceiling of any S3 reader (the same Spark work, no requests at all).
   */
  private String copyToLocalDisk() throws IOException {
    localCopy = Files.createTempDirectory("metaflow-s3-bench-table");
    String folder = localCopy.resolve("sales").toString();
    spark.read().format("metaflow-s3").options(connection(endpoint)).load(BenchData.url(TABLE))
        .repartition(col("country")).write().partitionBy("country").parquet(folder);
    return folder;
  }

  /** Rows and the sum of y in thousandths: an integer, so the order rows arrive in cannot change it. */
  private static String countAndSum(Dataset<Row> df) {
    return df.agg(count(lit(1)), sum(expr("cast(round(y * 1000) as bigint)"))).first().toString();
  }

  /**
   * Times our read, the peer's and the ceiling's (a local copy; null: none), checks they give the same answer,
   * and counts our and the peer's requests.
   */
  private void compare(String workload, long[] filesAndBytes, Function<DataFrameReader, Dataset<Row>> ours,
      String peer, Function<DataFrameReader, Dataset<Row>> theirs, Function<DataFrameReader, Dataset<Row>> ceiling,
      Function<Dataset<Row>, String> query) throws Exception {
    String[] answers = new String[3];
    Measurement.Work work = new Measurement.Work(filesAndBytes[0], filesAndBytes[1]);
    List<Tool> tools = new ArrayList<>(List.of(
        new Tool("metaflow-s3 format(\"metaflow-s3\")", () -> { }, () -> {
          answers[0] = query.apply(ours.apply(spark.read().options(connection(endpoint))));
          return work;
        }),
        new Tool(peer, () -> { }, () -> {
          answers[1] = query.apply(theirs.apply(spark.read()));
          return work;
        })));
    if (ceiling != null) {
      tools.add(new Tool("ceiling: Spark parquet, local disk copy", () -> { }, () -> {
        answers[2] = query.apply(ceiling.apply(spark.read()));
        return work;
      }));
    }
    List<Measurement> measured = Measurement.interleaved(workload, runs, tools);
    for (int i = 1; i < tools.size(); i++) {
      if (!answers[0].equals(answers[i])) {
        throw new IllegalStateException(workload + ": we answered " + answers[0] + ", " + tools.get(i).name() + " "
            + answers[i]);
      }
    }
    // A counting proxy of its own per workload: a new endpoint, so both tools start cold (our client and its
    // range cache are per settings; S3A's file systems are closed), and the counts are a first query's.
    try (FaultProxy counter = FaultProxy.start(endpoint, 1)) {
      long before = counter.requests();
      long started = System.nanoTime();
      query.apply(ours.apply(spark.read().options(connection(counter.endpoint()))));
      results.add(measured.get(0).withNote(coldNote(counter.requests() - before, started)));
      useS3aEndpoint(counter.endpoint());
      before = counter.requests();
      started = System.nanoTime();
      query.apply(theirs.apply(spark.read()));
      results.add(measured.get(1).withNote(coldNote(counter.requests() - before, started)));
      useS3aEndpoint(endpoint);
    }
    results.addAll(measured.subList(2, measured.size()));
  }

  /** A cold run's requests and time (one sample, a new client's start included). */
  private static String coldNote(long requests, long startedNanos) {
    return requests + " requests, cold " + (System.nanoTime() - startedNanos) / 1_000_000 + " ms";
  }

  /** Points S3A at {@code uri}; its cached filesystems are closed so the next read connects anew. */
  private void useS3aEndpoint(URI uri) throws IOException {
    spark.sparkContext().hadoopConfiguration().set("fs.s3a.endpoint", uri.toString());
    FileSystem.closeAll();
  }

  private Map<String, String> connection(URI uri) {
    return Map.of("endpoint", uri.toString(), "accessKeyId", LocalS3Server.ACCESS_KEY_ID,
        "secretAccessKey", LocalS3Server.SECRET_ACCESS_KEY);
  }

  private static String s3a(String key) {
    return "s3a://" + BenchData.BUCKET + "/" + key;
  }

  /** Sales rows in 24 countries of uneven size, written once with our writer (clustered by country: a file each). */
  private void writeTable(long rows) {
    String codes = COUNTRIES.stream().map(c -> "'" + c + "'").reduce((a, b) -> a + "," + b).orElseThrow();
    spark.range(0, rows, 1, 4)
        .withColumn("country", expr("element_at(array(" + codes + "), cast(floor(pow(rand(7), 2) * 24) as int) + 1)"))
        .withColumn("x1", expr("rand(1)"))
        .withColumn("x2", expr("randn(2)"))
        .withColumn("y", expr("3 * x1 - 2 * x2 + 0.5 * randn(3)"))
        .write().format("metaflow-s3").options(connection(endpoint)).partitionBy("country").mode("overwrite")
        .save(BenchData.url(TABLE));
  }

  /** The table's Parquet files (of one country, or all when null): {files, bytes}. */
  private long[] tableFiles(String country) {
    String prefix = BenchData.url(TABLE) + (country == null ? "" : "country=" + country + "/");
    try (S3 s3 = S3.builder().settings(settings).build()) {
      List<S3Object> files = s3.listRecursive(List.of(prefix)).stream()
          .filter(o -> o.key().endsWith(".parquet")).toList();
      return new long[] {files.size(), files.stream().mapToLong(S3Object::size).sum()};
    }
  }

  @Override
  public void close() throws IOException {
    spark.stop();
    if (localCopy != null) {
      try (Stream<Path> files = Files.walk(localCopy)) {
        for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(f);
        }
      }
    }
  }
}
