package io.metaflows3.benchmarks;

import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Object;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.local.LocalS3Server;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Downloads more bytes than the heap holds, in a JVM of its own with a small heap: data goes to files. */
final class MemoryCheck {
  static final String HEAP = "256m";

  private MemoryCheck() {}

  /**
   * Runs the check in a child JVM: one getMany of the large objects, listed again and again until the call
   * asks for at least {@code mib} MiB. Returns what it printed.
   */
  static String run(String endpoint, List<String> largeKeys, long mib) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx" + HEAP, "-cp", System.getProperty("java.class.path"), MemoryCheck.class.getName(), endpoint));
    List<String> urls = BenchData.urls(largeKeys);
    long each = 0;
    try (S3 s3 = S3.builder().settings(settings(endpoint)).build()) {
      each = s3.infoMany(urls).stream().mapToLong(S3Object::size).sum();
    }
    int objects = 0;
    for (long asked = 0; asked < mib << 20; asked += each) {
      command.addAll(urls);
      objects += urls.size();
    }
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes()).trim();
    return "Memory: one getMany of " + objects + " objects in a JVM with -Xmx" + HEAP + ": "
        + (p.waitFor() == 0 ? out : "FAILED: " + out);
  }

  private static S3Settings settings(String endpoint) {
    return S3Settings.builder().endpoint(endpoint)
        .credentials(LocalS3Server.ACCESS_KEY_ID, LocalS3Server.SECRET_ACCESS_KEY, null).build();
  }

  public static void main(String[] args) {
    try (S3 s3 = S3.builder().settings(settings(args[0])).build()) {
      long bytes = s3.getMany(Arrays.asList(args).subList(1, args.length)).stream().mapToLong(S3Object::size).sum();
      System.out.println("ok, " + (bytes >> 20) + " MiB downloaded with max heap "
          + (Runtime.getRuntime().maxMemory() >> 20) + " MiB");
    }
  }
}
