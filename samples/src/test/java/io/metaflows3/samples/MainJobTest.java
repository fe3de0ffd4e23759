package io.metaflows3.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.metaflows3.core.LocalS3;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Object;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.core.metaflow.FlowRun;
import io.metaflows3.core.table.PartitionFilter;
import io.metaflows3.core.table.ReadPlanner;
import io.metaflows3.core.table.Runs;
import io.metaflows3.local.LocalS3Extension;
import io.metaflows3.local.LocalS3Server;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Runs the main job twice against the embedded server and checks what it leaves in S3, not just its exit. */
@ExtendWith(LocalS3Extension.class)
class MainJobTest {
  private static SparkSession spark;

  @BeforeAll
  static void startSpark() {
    spark = SparkSession.builder().master("local[2]").appName("samples-test")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
        // Delta Lake's own source reads the job's Spark output in the test.
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog").getOrCreate();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  @Test
  void trainsAModelPerCountryWithBothEnginesUnderEachRun(LocalS3Server server, @TempDir Path scratch) {
    S3Settings settings = LocalS3.settings(server).partSize(256 * 1024).build();
    String s3root = LocalS3.root(server, "samples");
    Map<String, String> connection = Map.of("endpoint", settings.endpoint(),
        "accessKeyId", LocalS3Server.ACCESS_KEY_ID, "secretAccessKey", LocalS3Server.SECRET_ACCESS_KEY);
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    MainJob.Config config = new MainJob.Config(settings, s3root, connection, 20, 40_000, 4_000, 32 * 1024, 64 * 1024,
        scratch, new PrintStream(printed, true, StandardCharsets.UTF_8));

    MainJob.Result first = MainJob.run(config, spark);
    assertTrue(first.previous().isEmpty());
    assertEquals(20, first.countries().size());
    assertEquals(40_000, first.countries().stream().mapToLong(MainJob.CountryResult::rows).sum(), 1);
    for (MainJob.CountryResult c : first.countries()) {
      assertTrue(c.engineGap() < 1e-6, c + ": Beam and Spark agree");
      assertTrue(c.truthError() < 0.2, c + ": close to the coefficients the data was made with");
      assertEquals(SalesDataset.NOISE, c.sparkRmse(), 0.1, c + ": residuals are the noise");
    }
    // Per country: a model and a metrics JSON from Beam, a Parquet file from Spark.
    assertEquals(60, first.modelUrls().size());
    assertTrue(first.beam().rangesRead() > 20, "large files were read as several byte ranges");
    assertEquals(List.of("pineapple"), first.examples().get("... with an s3root"));
    assertEquals(List.of("first/a/object1", "first/b/x/object2", "second/c/object3"), first.examples()
        .get("Listing objects in S3").subList(10, 13));
    String out = printed.toString(StandardCharsets.UTF_8);
    assertTrue(out.contains("Summary of " + first.training()), out);
    assertTrue(out.contains("[6/6"), out);

    MainJob.Result second = MainJob.run(config, spark);
    assertEquals(first.training(), second.previous().orElseThrow());
    assertTrue(Long.parseLong(second.training().runId()) > Long.parseLong(first.training().runId()));
    assertEquals(List.of("{\"message\": \"hello world!\"}"),
        second.examples().get("Load external objects produced by a Metaflow run"));
    try (S3 s3 = S3.builder().settings(settings).s3root(s3root).build()) {
      assertEquals(second.training(), Runs.latest(s3, MainJob.FLOW).orElseThrow());
    }
    // The first run's models are untouched and load by its FlowRun.
    try (S3 s3 = S3.builder().settings(settings).s3root(s3root).run(first.training()).build()) {
      List<String> urls = new ReadPlanner(s3).listPrefixes(List.of("models/"), PartitionFilter.ALL).stream()
          .map(o -> o.url()).toList();
      assertEquals(first.modelUrls().stream().sorted().toList(), urls.stream().sorted().toList());
      // Spark's models are a Delta table: Delta Lake's own reader reads the rows ours reads.
      String sparkModels = s3.root().orElseThrow() + SparkTraining.MODELS;
      io.metaflows3.hadoop.FileSystemSettings.apply(spark.sparkContext().hadoopConfiguration(), settings);
      List<String> delta = spark.read().format("delta").load(sparkModels).selectExpr("country", "rows", "b1")
          .collectAsList().stream().map(Object::toString).sorted().toList();
      assertEquals(20, delta.size());
      assertEquals(delta, spark.read().format("metaflow-s3").options(settings.toOptions()).load(sparkModels)
          .selectExpr("country", "rows", "b1").collectAsList().stream().map(Object::toString).sorted().toList());
      String us = urls.stream().filter(u -> u.contains("beam/country=US/model-")).findFirst().orElseThrow();
      S3Object model = s3.get(us.substring(s3.root().orElseThrow().length()));
      assertTrue(model.text().contains("\"country\": \"US\""));
      assertTrue(model.url().contains("/" + MainJob.FLOW + "/" + first.training().runId() + "/"), model.url());
    }
  }
}
