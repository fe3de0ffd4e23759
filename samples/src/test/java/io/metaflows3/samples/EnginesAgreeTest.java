package io.metaflows3.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.metaflows3.beam.MetaflowS3IO;
import io.metaflows3.core.LocalS3;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.local.LocalS3Extension;
import io.metaflows3.local.LocalS3Server;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tables written by Spark, read by Beam's {@code asParquet()} with the schema read from a footer, give the rows
 * Spark's own reader gives: values of every type (INT96 timestamps, Spark's default), and partition values typed
 * and unescaped as Spark does, from folder names (Spark's parquet writer) or from a Delta log (ours).
 */
@ExtendWith(LocalS3Extension.class)
class EnginesAgreeTest {
  /** A local Spark session in UTC. */
  private static SparkSession spark() {
    return SparkSession.builder().master("local[2]").appName("engines-agree")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false").config("spark.sql.session.timeZone", "UTC").getOrCreate();
  }

  /** Stores the files of a local table folder below {@code url}, as Spark wrote them. */
  private static void upload(Path table, S3Settings settings, String url) throws IOException {
    Map<String, Path> files = new LinkedHashMap<>();
    try (Stream<Path> all = Files.walk(table)) {
      all.filter(Files::isRegularFile).forEach(f -> files.put(table.relativize(f).toString(), f));
    }
    try (S3 s3 = S3.builder().settings(settings).s3root(url).environment(Map.of()).build()) {
      s3.putFiles(files);
    }
  }

  @Test
  void beamReadsATableSparkWroteAsSparkReadsIt(LocalS3Server server, @TempDir Path local) throws IOException {
    SparkSession spark = spark();
    List<String> sparks;
    Path table = local.resolve("table");
    try {
      spark.range(0, 300).selectExpr("id", "CAST(id * 7 AS INT) AS i", "id / 8 AS d",
          "IF(id % 5 = 0, NULL, CONCAT('s', id)) AS s", "CAST(id * 1.125 AS DECIMAL(18,3)) AS dec",
          "TIMESTAMP'2021-03-14 01:59:59.123' + MAKE_INTERVAL(0, 0, 0, CAST(id AS INT)) AS ts",
          "ARRAY(id, id + 1) AS arr", "NAMED_STRUCT('a', id, 'b', CONCAT('b', id)) AS st",
          "CAST(id % 3 AS STRING) AS part").write().partitionBy("part").parquet(table.toString());
      sparks = spark.read().parquet(table.toString()).selectExpr("CONCAT_WS('|', id, i, d, COALESCE(s, 'null'), "
          + "CAST(dec AS STRING), DATE_FORMAT(ts, \"yyyy-MM-dd'T'HH:mm:ss.SSS'Z'\"), CAST(arr AS STRING), st.a, st.b, "
          + "part)").as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    } finally {
      spark.stop();
    }
    S3Settings settings = LocalS3.settings(server).build();
    String url = LocalS3.root(server, "agree/table/");
    upload(table, settings, url);
    Pipeline p = Pipeline.create(PipelineOptionsFactory.create());
    PCollection<Row> rows = p.apply(MetaflowS3IO.read().withSettings(settings).from(url).asParquet());
    PAssert.that(rows.apply(MapElements.into(TypeDescriptors.strings()).via((Row r) -> String.join("|",
        String.valueOf(r.getInt64("id")), String.valueOf(r.getInt32("i")), String.valueOf(r.getDouble("d")),
        String.valueOf(r.getString("s")), r.getDecimal("dec").toPlainString(), String.valueOf(r.getDateTime("ts")),
        "[" + String.join(", ", r.<Long>getArray("arr").stream().map(String::valueOf).toList()) + "]",
        String.valueOf(r.getRow("st").getInt64("a")), r.getRow("st").getString("b"),
        String.valueOf(r.<Integer>getValue("part"))))))
        .containsInAnyOrder(sparks);
    p.run().waitUntilFinish();
    assertEquals(300, sparks.size());
  }

  @Test
  void beamReadsPartitionValuesAsSparkReadsThemFromFoldersAndFromADeltaLog(LocalS3Server server, @TempDir Path local)
      throws IOException {
    S3Settings settings = LocalS3.settings(server).build();
    SparkSession spark = spark();
    Map<String, List<String>> sparks = new LinkedHashMap<>();
    Path table = local.resolve("folders");
    String folders = LocalS3.root(server, "agree/folders/");
    String delta = LocalS3.root(server, "agree/delta/");
    String rows = "CONCAT_WS('|', id, COALESCE(s, 'null'), COALESCE(CAST(n AS STRING), 'null'), "
        + "COALESCE(CAST(day AS STRING), 'null'), "
        + "COALESCE(DATE_FORMAT(ts, \"yyyy-MM-dd'T'HH:mm:ss.SSS'Z'\"), 'null'), COALESCE(CAST(f AS STRING), 'null'))";
    try {
      org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> df = spark.range(0, 12).selectExpr("id",
          "ELEMENT_AT(ARRAY('a/b', 'x=y', 'p%41', 'sp ace', 'ü', NULL), CAST(id % 6 AS INT) + 1) AS s",
          "IF(id % 4 = 0, NULL, CAST(id % 3 AS INT)) AS n", "DATE_ADD(DATE'2021-06-01', CAST(id % 2 AS INT)) AS day",
          "TIMESTAMP'2021-03-14 01:59:59' + MAKE_INTERVAL(0, 0, 0, 0, CAST(id % 2 AS INT)) AS ts",
          "IF(id % 5 = 0, '2021-01-01 10:00:00.123', 'other') AS f");
      df.write().partitionBy("s", "n", "day", "ts", "f").parquet(table.toString());
      sparks.put(folders, spark.read().parquet(table.toString()).selectExpr(rows)
          .as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
      df.write().format("metaflow-s3").options(settings.toOptions()).partitionBy("s", "n", "day", "ts", "f")
          .save(delta);
      sparks.put(delta, spark.read().format("metaflow-s3").options(settings.toOptions()).load(delta)
          .selectExpr(rows).as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
    } finally {
      spark.stop();
    }
    upload(table, settings, folders);
    Pipeline p = Pipeline.create(PipelineOptionsFactory.create());
    sparks.forEach((url, expected) -> {
      PCollection<Row> read = p.apply(url, MetaflowS3IO.read().withSettings(settings).from(url).asParquet());
      PAssert.that(read.apply(url + "AsText", MapElements.into(TypeDescriptors.strings()).via((Row r) ->
          String.join("|", String.valueOf(r.getInt64("id")), String.valueOf(r.<Object>getValue("s")),
              String.valueOf(r.<Object>getValue("n")), String.valueOf(r.<Object>getValue("day")),
              String.valueOf(r.<Object>getValue("ts")), String.valueOf(r.<Object>getValue("f"))))))
          .containsInAnyOrder(expected);
    });
    p.run().waitUntilFinish();
    assertEquals(12, sparks.get(folders).size());
  }
}
