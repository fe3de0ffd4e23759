package io.metaflows3.bundle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A Spark standalone cluster on 127.0.0.1 made of child JVMs on a {@link SparkDistribution}'s jars: a master and a
 * worker, whose executors are further JVMs the worker starts with {@code $SPARK_HOME/jars} as their classpath.
 */
final class StandaloneCluster implements AutoCloseable {
  private final SparkDistribution spark;
  private final Path home;
  private final List<Process> processes = new ArrayList<>();
  private final int masterPort;

  StandaloneCluster(SparkDistribution spark) {
    this.spark = spark;
    this.home = spark.home();
    try {
      masterPort = freePort();
      start("master", List.of("org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port",
          Integer.toString(masterPort), "--webui-port", Integer.toString(freePort())), masterPort);
      int workerPort = freePort();
      start("worker", List.of("org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--port",
          Integer.toString(workerPort), "--webui-port", Integer.toString(freePort()), "--cores", "2", "--memory",
          "2g", "--work-dir", home.resolve("work").toString(), masterUrl()), workerPort);
    } catch (IOException e) {
      close();
      throw new UncheckedIOException(e);
    }
  }

  String masterUrl() {
    return "spark://127.0.0.1:" + masterPort;
  }

  /** Starts a daemon and waits until it listens on {@code port}. */
  private void start(String name, List<String> main, int port) throws IOException {
    Path log = home.resolve(name + ".log");
    processes.add(spark.sparkClass(main).redirectErrorStream(true).redirectOutput(log.toFile()).start());
    Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
    while (!listening(port)) {
      if (Instant.now().isAfter(deadline) || !processes.get(processes.size() - 1).isAlive()) {
        throw new IllegalStateException("the " + name + " did not start:\n" + Files.readString(log));
      }
      sleep();
    }
  }

  private static boolean listening(int port) {
    try (java.net.Socket s = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void sleep() {
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** The executors' log lines, for a failing test's message. */
  String executorLogs() {
    try (var files = Files.walk(home.resolve("work"))) {
      StringBuilder out = new StringBuilder();
      for (Path p : files.filter(f -> f.getFileName().toString().equals("stderr")).toList()) {
        out.append(p).append(":\n").append(Files.readString(p)).append('\n');
      }
      return out.toString();
    } catch (IOException e) {
      return "(no executor logs: " + e + ")";
    }
  }

  @Override
  public void close() {
    for (Process p : processes) {
      p.destroy();
    }
    for (Process p : processes) {
      try {
        if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
