package io.metaflows3.local;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the local S3 server until interrupted and prints how to reach it.
 *
 * <pre>java io.metaflows3.local.Main [--port N] [--dir FOLDER] [--bucket NAME]</pre>
 * Without {@code --dir} objects live in memory and vanish on exit.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    int port = 9090;
    Path dir = null;
    String bucket = LocalS3Server.DEFAULT_BUCKET;
    for (int i = 0; i < args.length; i++) {
      String value = i + 1 < args.length ? args[i + 1] : null;
      switch (args[i]) {
        case "--port" -> port = Integer.parseInt(required(args[i], value));
        case "--dir" -> dir = Path.of(required(args[i], value));
        case "--bucket" -> bucket = required(args[i], value);
        default -> throw new IllegalArgumentException("unknown option " + args[i]
            + "; usage: Main [--port N] [--dir FOLDER] [--bucket NAME]");
      }
      i++;
    }
    if (dir != null) {
      Files.createDirectories(dir);
    }
    LocalS3Server server = LocalS3Server.start(dir, port);
    server.createBucket(bucket);
    Runtime.getRuntime().addShutdownHook(new Thread(server::close));
    System.out.println("Local S3 server at " + server.endpoint() + ", bucket s3://" + bucket + "/"
        + (dir == null ? " (in memory)" : " (files in " + dir.toAbsolutePath() + ")"));
    System.out.println("Point a client at it (these are the local server's fixed credentials):");
    System.out.println("  export AWS_ENDPOINT_URL=" + server.endpoint());
    System.out.println("  export AWS_ACCESS_KEY_ID=" + LocalS3Server.ACCESS_KEY_ID
        + " AWS_SECRET_ACCESS_KEY=<see README> AWS_REGION=us-east-1");
    System.out.println("  aws s3 ls --recursive s3://" + bucket + "/");
    new CountDownLatch(1).await();
  }

  private static String required(String option, String value) {
    if (value == null) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return value;
  }
}
