package io.metaflows3.benchmarks;

import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.local.FaultProxy;
import io.metaflows3.local.LocalS3Server;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Runs every workload with our connectors and with each peer, against one S3 server (in its own JVM) on
 * 127.0.0.1, and prints throughputs and our ratio to each peer. Sizes are options (see {@link Options}); the
 * defaults finish in a few minutes on 2 cores.
 */
public final class Main {
  private static final long S3LIKE_FIRST_BYTE_MILLIS = 20;
  private static final long S3LIKE_BYTES_PER_SECOND = 80L << 20;

  private Main() {}

  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args);
    Path work = Files.createTempDirectory("metaflow-s3-bench");
    List<Measurement> results = new ArrayList<>();
    try (ServerProcess server = new ServerProcess(work.resolve("server"));
        FaultProxy shaper = FaultProxy.start(server.endpoint(), 1).shaping(o.s3like()
            ? new FaultProxy.Shaping(S3LIKE_FIRST_BYTE_MILLIS, S3LIKE_BYTES_PER_SECOND) : FaultProxy.Shaping.none())) {
      // S3-like mode: every tool goes through the shaping proxy; the data is written straight to the server.
      URI endpoint = o.s3like() ? shaper.endpoint() : server.endpoint();
      S3Settings direct = S3Settings.builder().endpoint(server.endpoint().toString())
          .credentials(LocalS3Server.ACCESS_KEY_ID, LocalS3Server.SECRET_ACCESS_KEY, null).build();
      S3Settings settings = direct.toBuilder().endpoint(endpoint.toString()).build();
      BenchData data = BenchData.create(work, direct, o);
      run(o, work, endpoint, settings, data, results);
    } finally {
      deleteTree(work);
    }
  }

  private static void run(Options o, Path work, URI endpoint, S3Settings settings, BenchData data,
      List<Measurement> results) throws Exception {
    try (Peers peers = new Peers(endpoint, BenchData.BUCKET, LocalS3Server.ACCESS_KEY_ID,
        LocalS3Server.SECRET_ACCESS_KEY)) {
      System.out.println("Data: " + o);
      BeamSuite beam = o.runs("beam") ? new BeamSuite(endpoint, settings, data, o.runs(), results) : null;
      try (S3 s3 = S3.builder().settings(settings).build()) {
        CoreSuite core = new CoreSuite(s3, peers, data, o.runs(), work.resolve("download"), results);
        if (o.runs("small")) {
          core.small();
        }
        if (o.runs("large")) {
          core.large();
        }
        if (o.runs("list")) {
          core.list(beam == null ? List.of() : List.of(beam.listingPeer()));
        }
      }
      if (o.runs("tables")) {
        new TableSuite(settings, o.runs(), results).run(o.get("--table-files"), o.get("--table-versions"));
      }
      if (beam != null) {
        beam.run();
      }
      if (o.runs("spark")) {
        try (SparkSuite spark = new SparkSuite(endpoint, settings, data, o.runs(), results)) {
          spark.run(o.get("--rows"));
        }
      }
      print(results);
      if (!peers.hasAwsCli) {
        System.out.println("(the AWS CLI is not installed: apt-get install awscli to add it as a peer)");
      }
      if (o.runs("memory")) {
        System.out.println(MemoryCheck.run(endpoint.toString(), data.largeKeys, o.get("--memory-mib")));
      }
    }
  }

  private static void print(List<Measurement> results) {
    System.out.println();
    System.out.printf(Locale.ROOT, "%-18s %-48s %10s %10s %8s %10s  %s%n", "workload", "tool", "objects/s", "MiB/s",
        "ours/x", "peak heap", "note");
    Map<String, Measurement> ours = new LinkedHashMap<>();
    for (Measurement m : results) {
      if (m.tool().startsWith("metaflow-s3")) {
        ours.put(m.workload(), m);
      }
    }
    for (Measurement m : results) {
      Measurement base = ours.get(m.workload());
      // Same work on both sides, so the ratio of throughputs is the ratio of times.
      String ratio = base == null || base == m ? "" : String.format(Locale.ROOT, "%.2fx", m.seconds() / base.seconds());
      System.out.printf(Locale.ROOT, "%-18s %-48s %10.0f %10.1f %8s %7d MiB  %s%n", m.workload(), m.tool(),
          m.objectsPerSecond(), m.mibPerSecond(), ratio, m.peakHeapBytes() >> 20, m.note());
    }
  }

  static void clean(Path dir) {
    deleteTree(dir);
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
