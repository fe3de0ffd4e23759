package io.metaflows3.samples;

import io.metaflows3.core.api.S3Settings;
import io.metaflows3.local.LocalS3Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * Runs the main job. With no endpoint configured it starts the embedded S3 server on 127.0.0.1, keeping its
 * objects in {@code work/s3-data} so the runs outlive the process; with {@code AWS_ENDPOINT_URL} (or
 * {@code METAFLOW_S3_ENDPOINT_URL}) and {@code METAFLOW_DATATOOLS_S3ROOT} set it works there instead.
 *
 * <pre>Main [--countries N] [--rows N]</pre>
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    int countries = 24;
    long rows = 600_000;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--countries" -> countries = Integer.parseInt(args[i + 1]);
        case "--rows" -> rows = Long.parseLong(args[i + 1]);
        default -> throw new IllegalArgumentException("usage: Main [--countries N] [--rows N]");
      }
    }
    S3Settings env = S3Settings.defaults();
    LocalS3Server server = null;
    S3Settings settings;
    String s3root;
    Map<String, String> connection = new HashMap<>();
    if (env.endpoint() == null) {
      Path data = Files.createDirectories(Path.of("work", "s3-data"));
      server = LocalS3Server.start(data, 0);
      settings = env.toBuilder().endpoint(server.endpoint().toString())
          .credentials(LocalS3Server.ACCESS_KEY_ID, LocalS3Server.SECRET_ACCESS_KEY, null).build();
      s3root = "s3://" + server.bucket() + "/metaflow";
      connection.put("endpoint", settings.endpoint());
      connection.put("accessKeyId", LocalS3Server.ACCESS_KEY_ID);
      connection.put("secretAccessKey", LocalS3Server.SECRET_ACCESS_KEY);
      System.out.println("No endpoint configured: embedded S3 server at " + server.endpoint() + ", objects in "
          + data.toAbsolutePath());
    } else {
      settings = env;
      s3root = System.getenv("METAFLOW_DATATOOLS_S3ROOT");
      if (s3root == null) {
        throw new IllegalArgumentException("with an endpoint set, set METAFLOW_DATATOOLS_S3ROOT too");
      }
      connection.put("endpoint", settings.endpoint());
      System.out.println("Using the endpoint " + settings.endpoint() + " and s3root " + s3root);
    }
    Path scratch = Files.createTempDirectory("metaflow-s3-samples");
    SparkSession spark = SparkSession.builder().master("local[2]").appName("country-models")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4").getOrCreate();
    try {
      MainJob.run(new MainJob.Config(settings, s3root, connection, countries, rows, 60_000, 256 * 1024, 1 << 20,
          scratch, System.out), spark);
      if (server != null) {
        System.out.println();
        System.out.println("To browse the runs with the AWS CLI, serve the same folder (see README, 'The embedded"
            + " server'): ./s3-local.sh --dir work/s3-data --port 9090, then");
        System.out.println("  aws --endpoint-url http://127.0.0.1:9090 s3 ls --recursive " + s3root + "/"
            + MainJob.FLOW + "/");
      }
    } finally {
      spark.stop();
      if (server != null) {
        server.close();
      }
      try (var files = Files.walk(scratch)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
