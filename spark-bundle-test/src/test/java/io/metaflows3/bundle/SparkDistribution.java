package io.metaflows3.bundle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Spark installation made of Spark's own jars only ({@code $SPARK_HOME/jars}, linked from the spark-distribution
 * module's classpath), run as Spark's scripts run it: {@code spark-submit} asks Spark's launcher for the driver's
 * command line and runs it; a worker builds its executors' command lines from the same folder.
 */
final class SparkDistribution {
  private final Path home;

  SparkDistribution(Path home) {
    this.home = home;
    try {
      Path jars = Files.createDirectories(home.resolve("jars"));
      String classpath = Files.readString(Path.of(System.getProperty("spark.classpath.file"))).trim();
      String core = "spark-core_2.13-" + System.getProperty("spark.version") + ".jar";
      if (!classpath.contains(core)) {
        throw new IllegalStateException("spark-distribution resolves another Spark than the build's (no " + core
            + "): its pom's spark.version must be the parent's");
      }
      for (String jar : classpath.split(java.io.File.pathSeparator)) {
        Path source = Path.of(jar);
        Files.createSymbolicLink(jars.resolve(source.getFileName()), source);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Spark's jars (build the spark-distribution module first)", e);
    }
  }

  Path home() {
    return home;
  }

  /** A JVM running {@code mainClass} on Spark's jars, as {@code bin/spark-class} starts the master and worker. */
  ProcessBuilder sparkClass(List<String> mainClassAndArgs) {
    List<String> command = new ArrayList<>(List.of(java(), "-Xmx256m", "-cp", home.resolve("jars") + "/*"));
    command.addAll(mainClassAndArgs);
    return withEnvironment(new ProcessBuilder(command));
  }

  /**
   * {@code bin/spark-submit args}: Spark's launcher prints the driver's command (its classpath, Java options,
   * module flags), which then runs in its own JVM, its output in {@code log}. Returns the exit code.
   */
  int submit(List<String> args, Path log, long timeoutMinutes) throws IOException, InterruptedException {
    List<String> launcher = new ArrayList<>(List.of(java(), "-Xmx128m", "-cp", home.resolve("jars") + "/*",
        "org.apache.spark.launcher.Main", "org.apache.spark.deploy.SparkSubmit"));
    launcher.addAll(args);
    Process printer = withEnvironment(new ProcessBuilder(launcher)).redirectError(log.toFile()).start();
    String printed = new String(printer.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (printer.waitFor() != 0) {
      throw new IllegalStateException("Spark's launcher failed:\n" + Files.readString(log));
    }
    List<String> command = Arrays.stream(printed.split("\0")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    Process driver = withEnvironment(new ProcessBuilder(command)).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    if (!driver.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
      driver.destroyForcibly();
      throw new IllegalStateException("spark-submit did not end in " + timeoutMinutes + " minutes:\n"
          + Files.readString(log));
    }
    return driver.exitValue();
  }

  private ProcessBuilder withEnvironment(ProcessBuilder builder) {
    Map<String, String> env = builder.environment();
    env.put("SPARK_HOME", home.toString());
    env.put("SPARK_LOCAL_IP", "127.0.0.1");
    env.put("SPARK_SCALA_VERSION", "2.13");
    env.put("JAVA_HOME", System.getProperty("java.home"));
    return builder;
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
