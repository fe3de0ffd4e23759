package io.metaflows3.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.metaflows3.local.LocalS3Extension;
import io.metaflows3.local.LocalS3Server;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The bundle as a user runs it: a Spark of Spark's own jars and nothing else, {@code spark-submit} as a process
 * with the bundle given by {@code --jars} (driver and executors in one JVM) and by {@code spark.jars} to a
 * standalone cluster (master, worker and executors each in their own JVM), against the embedded server.
 */
@ExtendWith(LocalS3Extension.class)
class SparkBundleTest {
  private final LocalS3Server server;
  @TempDir
  Path home;
  private SparkDistribution spark;
  private Path app;

  SparkBundleTest(LocalS3Server server) {
    this.server = server;
  }

  @BeforeEach
  void installSparkAndTheApplication() throws IOException {
    spark = new SparkDistribution(home.resolve("spark"));
    app = applicationJar(home.resolve("app.jar"));
    try (S3Client s3 = server.newSdkClient()) {
      for (String test : List.of("submit", "cluster")) {
        for (int i = 0; i < 30; i++) {
          String key = test + "/logs/part-" + i + ".txt";
          s3.putObject(b -> b.bucket(server.bucket()).key(key),
              RequestBody.fromString("a" + i + "\nb" + i));
        }
      }
    }
  }

  @Test
  void sparkSubmitWithTheBundleAsJars() throws Exception {
    Path log = home.resolve("submit.log");
    int exit = spark.submit(submitArgs(List.of("--master", "local[2]", "--jars", bundle()), "submit", 0), log, 5);
    assertPassed(exit, log);
  }

  @Test
  void aStandaloneClusterWithTheBundleAsSparkJars() throws Exception {
    try (StandaloneCluster cluster = new StandaloneCluster(spark)) {
      Path log = home.resolve("cluster.log");
      int exit = spark.submit(submitArgs(List.of("--master", cluster.masterUrl(), "--conf", "spark.jars=" + bundle(),
          "--conf", "spark.executor.memory=1g", "--conf", "spark.executor.cores=2", "--conf",
          "spark.cores.max=2"), "cluster", 1), log, 6);
      assertEquals(0, exit, () -> "spark-submit failed:\n" + tail(log) + "\n" + cluster.executorLogs());
      assertPassed(exit, log);
    }
  }

  private List<String> submitArgs(List<String> master, String test, int executors) {
    List<String> args = new ArrayList<>(master);
    args.addAll(List.of("--driver-memory", "1g", "--conf", "spark.driver.host=127.0.0.1", "--conf",
        "spark.driver.bindAddress=127.0.0.1", "--conf", "spark.ui.enabled=false", "--conf",
        "spark.sql.shuffle.partitions=3", "--conf", "spark.sql.warehouse.dir=" + home.resolve("warehouse").toUri(),
        "--class", BundleApp.class.getName(), app.toString(),
        server.endpoint().toString(), LocalS3Server.ACCESS_KEY_ID, LocalS3Server.SECRET_ACCESS_KEY,
        "s3://" + server.bucket() + "/" + test + "/", Integer.toString(executors)));
    return args;
  }

  private static String bundle() {
    Path jar = Path.of(System.getProperty("bundle.jar"));
    assertTrue(Files.isRegularFile(jar), "the bundle " + jar + " (package connector-spark-bundle first)");
    return jar.toString();
  }

  private static void assertPassed(int exit, Path log) throws IOException {
    assertEquals(0, exit, () -> "spark-submit failed:\n" + tail(log));
    assertTrue(Files.readString(log).contains("metaflow-s3 bundle: all checks passed"), () -> tail(log));
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 150), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** The application's jar: its classes only, as a user's build would package it. */
  private static Path applicationJar(Path jar) throws IOException {
    String name = BundleApp.class.getName().replace('.', '/');
    Path classes = Path.of(BundleApp.class.getProtectionDomain().getCodeSource().getLocation().getPath());
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
        var files = Files.walk(classes.resolve(name).getParent())) {
      for (Path f : files.filter(p -> p.getFileName().toString().startsWith("BundleApp")).toList()) {
        out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace(java.io.File.separatorChar, '/')));
        Files.copy(f, (OutputStream) out);
        out.closeEntry();
      }
    }
    return jar;
  }
}
