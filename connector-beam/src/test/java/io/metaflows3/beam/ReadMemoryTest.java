package io.metaflows3.beam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3PutObject;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.local.LocalS3Server;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One object three times the heap, read in a JVM of its own with a 256 MiB heap: with {@code read()} on Flink's
 * embedded cluster (chunks pass from operator to operator, each read holding its in-flight budget), and with
 * {@code asFiles()} on the DirectRunner, which keeps every element of a step's output in memory until the next
 * step takes it (so byte chunks of an object larger than the heap cannot pass it; handles do). Every byte arrives,
 * counted and summed.
 */
class ReadMemoryTest {
  private static final String HEAP = "256m";
  private static final long SIZE = 768L << 20;

  @TempDir
  Path dir;

  @Test
  void anObjectThreeTimesTheHeapIsReadOnTheDirectRunnerAndOnFlink() throws Exception {
    try (LocalS3Server server = LocalS3Server.start(Files.createDirectories(dir.resolve("s3")), 0)) {
      Path file = dir.resolve("large.bin");
      long sum = 0;
      try (OutputStream out = Files.newOutputStream(file)) {
        byte[] block = new byte[1 << 20];
        for (long written = 0; written < SIZE; written += block.length) {
          for (int i = 0; i < block.length; i++) {
            block[i] = (byte) ((written + i) % 251);
            sum += block[i] & 0xff;
          }
          out.write(block);
        }
      }
      String url = "s3://" + server.bucket() + "/memory/large.bin";
      try (S3 s3 = S3.builder().settings(settings(server.endpoint().toString())).environment(Map.of()).build()) {
        s3.putFiles(List.of(S3PutObject.ofFile(url, file)));
      }
      Files.delete(file);
      for (String runner : List.of("flink", "direct-files")) {
        String printed = child(runner, server.endpoint().toString(), url);
        assertTrue(printed.contains("bytes=" + SIZE + " sum=" + sum), runner + ":\n" + printed);
      }
    }
  }

  private String child(String runner, String endpoint, String url) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx" + HEAP, "-XX:+ExitOnOutOfMemoryError", "-cp", System.getProperty("java.class.path"),
        Child.class.getName(), runner, endpoint, url.substring(0, url.lastIndexOf('/') + 1), dir.resolve("flink-" + runner).toString()));
    Path log = dir.resolve(runner + ".log");
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    boolean ended = p.waitFor(10, TimeUnit.MINUTES);
    String out = Files.readString(log, StandardCharsets.UTF_8);
    if (!ended) {
      p.destroyForcibly();
    }
    assertTrue(ended, runner + " did not end:\n" + out);
    assertEquals(0, p.exitValue(), () -> runner + " failed:\n" + out.substring(Math.max(0, out.length() - 6000)));
    return out;
  }

  static S3Settings settings(String endpoint) {
    return S3Settings.builder().endpoint(endpoint)
        .credentials(LocalS3Server.ACCESS_KEY_ID, LocalS3Server.SECRET_ACCESS_KEY, null).build();
  }

  /** The pipeline of the child JVM: read() of the object, its bytes counted and summed. */
  public static final class Child {
    private Child() {}

    public static void main(String[] args) throws Exception {
      PipelineOptions options;
      if (args[0].equals("flink")) {
        Path conf = Files.createDirectories(Path.of(args[3]));
        Files.writeString(conf.resolve("flink-conf.yaml"), "taskmanager.numberOfTaskSlots: 2\n"
            + "taskmanager.memory.managed.size: 16m\ntaskmanager.memory.network.min: 16m\n"
            + "taskmanager.memory.network.max: 16m\n");
        FlinkPipelineOptions flink = PipelineOptionsFactory.as(FlinkPipelineOptions.class);
        flink.setRunner(FlinkRunner.class);
        flink.setFlinkMaster("[local]");
        flink.setFlinkConfDir(conf.toString());
        flink.setParallelism(2);
        flink.setFasterCopy(true);
        options = flink;
      } else {
        org.apache.beam.runners.direct.DirectOptions direct =
            PipelineOptionsFactory.as(org.apache.beam.runners.direct.DirectOptions.class);
        direct.setRunner(DirectRunner.class);
        options = direct;
      }
      Pipeline p = Pipeline.create(options);
      if (args[0].equals("direct-files")) {
        p.apply(MetaflowS3IO.read().from(args[2]).withSettings(settings(args[1])).asFiles())
            .apply(ParDo.of(new SumStreamed(settings(args[1]))));
      } else {
        p.apply(MetaflowS3IO.read().from(args[2]).withSettings(settings(args[1]))).apply(ParDo.of(new Sum()));
      }
      PipelineResult result = p.run();
      result.waitUntilFinish();
      long bytes = counter(result, "bytes");
      long sum = counter(result, "sum");
      System.out.println("bytes=" + bytes + " sum=" + sum + " maxHeapMiB="
          + (Runtime.getRuntime().maxMemory() >> 20));
    }

    private static long counter(PipelineResult result, String name) {
      return result.metrics().queryMetrics(MetricsFilter.builder()
          .addNameFilter(MetricNameFilter.named(Sum.class, name)).build()).getCounters().iterator().next()
          .getAttempted();
    }
  }

  /** Streams each handle's object, summing as {@link Sum} does (its counters). */
  static final class SumStreamed extends DoFn<MetaflowS3File, Void> {
    private final S3Settings settings;
    private final Counter bytes = Metrics.counter(Sum.class, "bytes");
    private final Counter sum = Metrics.counter(Sum.class, "sum");

    SumStreamed(S3Settings settings) {
      this.settings = settings;
    }

    @ProcessElement
    public void process(@Element MetaflowS3File file) throws IOException {
      byte[] buffer = new byte[1 << 20];
      try (java.io.InputStream in = file.openStream(settings)) {
        for (int n; (n = in.read(buffer)) > 0; ) {
          long s = 0;
          for (int i = 0; i < n; i++) {
            s += buffer[i] & 0xff;
          }
          bytes.inc(n);
          sum.inc(s);
        }
      }
    }
  }

  static final class Sum extends DoFn<MetaflowS3Object, Void> {
    private final Counter bytes = Metrics.counter(Sum.class, "bytes");
    private final Counter sum = Metrics.counter(Sum.class, "sum");

    @ProcessElement
    public void process(@Element MetaflowS3Object o) {
      long s = 0;
      for (byte b : o.bytes) {
        s += b & 0xff;
      }
      bytes.inc(o.bytes.length);
      sum.inc(s);
    }
  }
}
