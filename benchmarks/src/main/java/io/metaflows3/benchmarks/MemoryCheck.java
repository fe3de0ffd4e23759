package io.metaflows3.benchmarks;

import io.metaflows3.core.S3;
import io.metaflows3.core.S3Object;
import io.metaflows3.core.S3Settings;
import io.metaflows3.local.LocalS3Server;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Downloads more bytes than the heap holds, in a JVM of its own with a small heap: data goes to files. */
final class MemoryCheck {
  static final String HEAP = "256m";

  private MemoryCheck() {}

  /** Runs the check in a child JVM; returns what it printed. */
  static String run(String endpoint, List<String> urls) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx" + HEAP, "-cp", System.getProperty("java.class.path"), MemoryCheck.class.getName(), endpoint));
    command.addAll(urls);
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes()).trim();
    return p.waitFor() == 0 ? out : "FAILED: " + out;
  }

  public static void main(String[] args) {
    S3Settings settings = S3Settings.builder().endpoint(args[0])
        .credentials(LocalS3Server.ACCESS_KEY_ID, LocalS3Server.SECRET_ACCESS_KEY, null).build();
    try (S3 s3 = S3.builder().settings(settings).build()) {
      long bytes = s3.getMany(Arrays.asList(args).subList(1, args.length)).stream().mapToLong(S3Object::size).sum();
      System.out.println("ok, " + (bytes >> 20) + " MiB downloaded with max heap "
          + (Runtime.getRuntime().maxMemory() >> 20) + " MiB");
    }
  }
}
