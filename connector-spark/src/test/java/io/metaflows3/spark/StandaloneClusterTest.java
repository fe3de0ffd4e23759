package io.metaflows3.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.metaflows3.core.LocalS3;
import io.metaflows3.core.S3;
import io.metaflows3.local.LocalS3Extension;
import io.metaflows3.local.LocalS3Server;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads and writes on a Spark standalone cluster whose executors are separate JVMs: the connector's classes
 * reach them as application jars (spark.jars), as on a real cluster, so every factory, partition and option
 * must serialize, and every client and file system is made on the executor.
 */
@ExtendWith(LocalS3Extension.class)
class StandaloneClusterTest {
  private final LocalS3Server server;
  @TempDir
  Path home;

  StandaloneClusterTest(LocalS3Server server) {
    this.server = server;
  }

  private DataFrameReader reader(SparkSession spark, String format) {
    return spark.read().format("metaflow-s3").option("format", format).options(options());
  }

  private Map<String, String> options() {
    return Map.of("endpoint", server.endpoint().toString(), "accessKeyId", LocalS3Server.ACCESS_KEY_ID,
        "secretAccessKey", LocalS3Server.SECRET_ACCESS_KEY);
  }

  @Test
  void readsAndWritesWithExecutorsInOtherJvms() {
    List<String> ours = new ArrayList<>();
    List<String> theirs = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      boolean isOurs = entry.contains("metaflows3") || entry.startsWith(Path.of("").toAbsolutePath().getParent()
          .toString());
      (isOurs ? ours : theirs).add(entry);
    }
    List<String> appJars = ours.stream().map(this::asJar).toList();
    String url = LocalS3.root(server, "cluster/table/");
    try (S3 s3 = S3.builder().settings(LocalS3.settings(server).build()).environment(Map.of()).build()) {
      for (int i = 0; i < 30; i++) {
        s3.put(LocalS3.root(server, "cluster/logs/part-" + i + ".txt"), "a" + i + "\nb" + i);
      }
    }
    try (StandaloneCluster cluster = new StandaloneCluster(home.resolve("spark"))) {
      SparkSession.clearActiveSession();
      SparkSession.clearDefaultSession();
      SparkSession spark = LocalSpark.builder(cluster.masterUrl(), "metaflow-s3-cluster")
          .config("spark.jars", String.join(",", appJars))
          .config("spark.executor.extraClassPath", String.join(File.pathSeparator, theirs))
          .config("spark.executor.memory", "1g").config("spark.executor.cores", "2")
          .config("spark.sql.shuffle.partitions", "3").getOrCreate();
      try {
        assertTimeoutPreemptively(Duration.ofMinutes(4), () -> {
          Dataset<Row> df = spark.range(0, 5000).selectExpr("id", "CAST(id % 4 AS STRING) AS country",
              "id * 1.5 AS x", "TIMESTAMP'2021-01-01 00:00:00' + MAKE_INTERVAL(0, 0, 0, 0, 0, 0, id) AS ts",
              "ARRAY(id, id + 1) AS arr", "NAMED_STRUCT('a', id, 'b', CAST(id AS STRING)) AS st");
          df.write().format("metaflow-s3").options(options()).partitionBy("country").save(url);
          Dataset<Row> back = reader(spark, "parquet").load(url);
          List<String> columns = List.of(df.columns());
          assertEquals(sorted(df), sorted(back.selectExpr(columns.toArray(String[]::new))));
          assertEquals(df.where("country = '2' AND x > 1000").count(),
              reader(spark, "parquet").load(url).where("country = '2' AND x > 1000").count());
          assertEquals(60, reader(spark, "text").load(LocalS3.root(server, "cluster/logs/")).count());
          assertEquals(30, reader(spark, "binary").load(LocalS3.root(server, "cluster/logs/")).select("content")
              .collectAsList().size());
          // A partitioned SQL insert into a table of the catalog, and a query of it.
          spark.sql("CREATE TABLE cluster_sql (id BIGINT, country STRING) USING `metaflow-s3` PARTITIONED BY "
              + "(country) LOCATION '" + LocalS3.root(server, "cluster/sql/") + "' OPTIONS (endpoint '"
              + server.endpoint() + "', accessKeyId '" + LocalS3Server.ACCESS_KEY_ID + "', secretAccessKey '"
              + LocalS3Server.SECRET_ACCESS_KEY + "')");
          spark.sql("INSERT INTO cluster_sql SELECT id, CAST(id % 3 AS STRING) FROM range(300)");
          assertEquals(List.of("[0,100]", "[1,100]", "[2,100]"), spark.sql("SELECT country, count(*) FROM "
              + "cluster_sql GROUP BY country").collectAsList().stream().map(Row::toString).sorted().toList());
          assertTrue(spark.sparkContext().getExecutorMemoryStatus().size() > 1, "an executor besides the driver");
        }, cluster::executorLogs);
      } finally {
        spark.stop();
      }
    }
  }

  private static List<String> sorted(Dataset<Row> df) {
    return df.collectAsList().stream().map(Row::toString).sorted().toList();
  }

  /** A classpath entry as a jar file: a folder of classes is packed into one. */
  private String asJar(String entry) {
    Path source = Path.of(entry);
    if (!Files.isDirectory(source)) {
      return source.toUri().toString();
    }
    Path jar = home.resolve("app-" + Math.abs(entry.hashCode()) + ".jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
        Stream<Path> files = Files.walk(source)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        out.putNextEntry(new JarEntry(source.relativize(f).toString().replace(File.separatorChar, '/')));
        Files.copy(f, (OutputStream) out);
        out.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return jar.toUri().toString();
  }
}
