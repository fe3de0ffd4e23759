package io.metaflows3.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * The embedded S3 server in a JVM of its own, backed by a folder: its memory and GC stay out of the heap
 * measured here, and every peer talks to the same server over loopback.
 */
final class ServerProcess implements AutoCloseable {
  private final Process process;
  private final URI endpoint;

  ServerProcess(Path folder) throws IOException, InterruptedException {
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    process = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx1g", "-cp", System.getProperty("java.class.path"), "io.metaflows3.local.Main",
        "--port", Integer.toString(port), "--dir", folder.toString()))
        .redirectErrorStream(true).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    for (String line; (line = out.readLine()) != null; ) {
      if (line.startsWith("Local S3 server at")) {
        break;
      }
    }
    if (!process.isAlive()) {
      throw new IllegalStateException("the S3 server did not start");
    }
    Thread drain = new Thread(() -> out.lines().forEach(l -> { }), "server-output");
    drain.setDaemon(true);
    drain.start();
    endpoint = URI.create("http://127.0.0.1:" + port);
  }

  URI endpoint() {
    return endpoint;
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    process.waitFor();
  }
}
