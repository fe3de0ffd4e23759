package io.metaflows3.benchmarks;

import io.metaflows3.core.S3;
import io.metaflows3.core.S3Object;
import io.metaflows3.core.S3PutObject;
import io.metaflows3.core.S3Settings;
import io.metaflows3.local.LocalS3Server;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Runs every workload with connector-core and with each peer, against one S3 server (in its own JVM) on
 * 127.0.0.1, and prints throughputs and our ratio to each peer. Sizes are options; the defaults finish in a
 * few minutes on 2 cores.
 *
 * <pre>Main [--small N] [--small-kib K] [--large N] [--large-mib M] [--list-keys N] [--runs R]</pre>
 */
public final class Main {
  private static final String BUCKET = LocalS3Server.DEFAULT_BUCKET;

  private Main() {}

  public static void main(String[] args) throws Exception {
    Map<String, Long> o = new LinkedHashMap<>(Map.of("--small", 2000L, "--small-kib", 64L, "--large", 2L,
        "--large-mib", 128L, "--list-keys", 20_000L, "--runs", 3L));
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!o.containsKey(args[i])) {
        throw new IllegalArgumentException("unknown option " + args[i] + "; options: " + o.keySet());
      }
      o.put(args[i], Long.parseLong(args[i + 1]));
    }
    int runs = o.get("--runs").intValue();
    Path work = Files.createTempDirectory("metaflow-s3-bench");
    List<Measurement> results = new ArrayList<>();
    try (ServerProcess server = new ServerProcess(work.resolve("server"));
        Peers peers = new Peers(server.endpoint(), BUCKET, LocalS3Server.ACCESS_KEY_ID,
            LocalS3Server.SECRET_ACCESS_KEY)) {
      S3Settings settings = S3Settings.builder().endpoint(server.endpoint().toString())
          .credentials(LocalS3Server.ACCESS_KEY_ID, LocalS3Server.SECRET_ACCESS_KEY, null).build();
      Data data = Data.create(work, settings, o);
      System.out.printf(Locale.ROOT, "Data: %d x %d KiB, %d x %d MiB, %d keys under 100 prefixes; %d runs each%n",
          o.get("--small"), o.get("--small-kib"), o.get("--large"), o.get("--large-mib"), o.get("--list-keys"), runs);
      boolean cli = Peers.awsCliAvailable();
      Path into = work.resolve("download");
      // Like the peers' clients, ours lives across runs; the files a run downloaded are released untimed.
      S3 s3 = S3.builder().settings(settings).build();
      List<S3Object> downloaded = new ArrayList<>();
      Runnable release = () -> {
        downloaded.forEach(s3::release);
        downloaded.clear();
      };

      // Many small objects
      results.add(Measurement.of("get small", "metaflow-s3 getMany", runs, release,
          () -> ours(s3, data.smallUrls, downloaded)));
      results.add(Measurement.of("get small", "SDK sync loop", runs, () -> clean(into),
          () -> peers.sdkLoopDownload(data.smallKeys, into)));
      results.add(Measurement.of("get small", "TransferManager (CRT) downloadDirectory", runs, () -> clean(into),
          () -> transferDirectory(peers, "bench/small/", into, data.smallKeys.size(), data.smallBytes)));
      if (cli) {
        results.add(Measurement.of("get small", "aws s3 cp --recursive", runs, () -> clean(into),
            () -> peers.awsCli("s3://" + BUCKET + "/bench/small/", into.toString(), data.smallKeys.size(),
                data.smallBytes)));
      }
      results.add(Measurement.of("get small", "ceiling: raw GETs, 64 in flight", runs, () -> { },
          () -> peers.ceiling(data.smallKeys, null)));

      results.add(Measurement.of("put small", "metaflow-s3 putFiles", runs, () -> { },
          () -> oursPut(s3, "s3://" + BUCKET + "/bench/up-small/", data.smallFiles)));
      results.add(Measurement.of("put small", "SDK sync loop", runs, () -> { },
          () -> peers.sdkLoopUpload("bench/up-small-sdk/", data.smallFiles)));
      results.add(Measurement.of("put small", "TransferManager (CRT) uploadDirectory", runs, () -> { },
          () -> uploadDirectory(peers, data.smallDir, "bench/up-small-tm/", data.smallFiles.size(), data.smallBytes)));

      // Few large objects
      results.add(Measurement.of("get large", "metaflow-s3 getMany", runs, release,
          () -> ours(s3, data.largeUrls, downloaded)));
      results.add(Measurement.of("get large", "SDK sync loop", runs, () -> clean(into),
          () -> peers.sdkLoopDownload(data.largeKeys, into)));
      results.add(Measurement.of("get large", "TransferManager (CRT) downloadFile", runs, () -> clean(into),
          () -> downloadFiles(peers, data.largeKeys, into, data.largeBytes)));
      if (cli) {
        results.add(Measurement.of("get large", "aws s3 cp --recursive", runs, () -> clean(into),
            () -> peers.awsCli("s3://" + BUCKET + "/bench/large/", into.toString(), data.largeKeys.size(),
                data.largeBytes)));
      }
      List<String> rangeKeys = new ArrayList<>();
      List<long[]> ranges = new ArrayList<>();
      long part = settings.partSize();
      for (String k : data.largeKeys) {
        for (long at = 0; at < data.largeBytes / data.largeKeys.size(); at += part) {
          rangeKeys.add(k);
          ranges.add(new long[] {at, part});
        }
      }
      results.add(Measurement.of("get large", "ceiling: raw ranged GETs, 64 in flight", runs, () -> { },
          () -> peers.ceiling(rangeKeys, ranges)));

      results.add(Measurement.of("put large", "metaflow-s3 putFiles", runs, () -> { },
          () -> oursPut(s3, "s3://" + BUCKET + "/bench/up-large/", data.largeFiles)));
      results.add(Measurement.of("put large", "SDK sync loop", runs, () -> { },
          () -> peers.sdkLoopUpload("bench/up-large-sdk/", data.largeFiles)));
      results.add(Measurement.of("put large", "TransferManager (Java multipart) uploadFile", runs, () -> { },
          () -> uploadFiles(peers, data.largeFiles, "bench/up-large-tm/")));

      // Listing
      results.add(Measurement.of("listRecursive", "metaflow-s3 listRecursive", runs, () -> { },
          () -> new Measurement.Work(s3.listRecursive(data.listPrefixUrls).size(), 0)));
      results.add(Measurement.of("listRecursive", "SDK sync paginator loop", runs, () -> { },
          () -> peers.sdkLoopList(data.listPrefixes, null)));
      results.add(Measurement.of("listPaths", "metaflow-s3 listPaths", runs, () -> { },
          () -> new Measurement.Work(s3.listPaths(List.of("s3://" + BUCKET + "/bench/list/")).size(), 0)));
      s3.close();
      results.add(Measurement.of("listPaths", "SDK sync paginator loop", runs, () -> { },
          () -> peers.sdkLoopList(List.of("bench/list/"), "/")));

      print(results, cli);
      System.out.println("Memory: getMany of " + (data.largeBytes >> 20) + " MiB in a JVM with -Xmx"
          + MemoryCheck.HEAP + ": " + MemoryCheck.run(server.endpoint().toString(), data.largeUrls));
    } finally {
      deleteTree(work);
    }
  }

  private static Measurement.Work ours(S3 s3, List<String> urls, List<S3Object> downloaded) {
    List<S3Object> got = s3.getMany(urls);
    downloaded.addAll(got);
    return new Measurement.Work(urls.size(), got.stream().mapToLong(S3Object::size).sum());
  }

  private static Measurement.Work oursPut(S3 s3, String prefix, List<Path> files) throws IOException {
    Map<String, Path> map = new LinkedHashMap<>();
    long bytes = 0;
    for (int i = 0; i < files.size(); i++) {
      map.put(prefix + "f" + i, files.get(i));
      bytes += Files.size(files.get(i));
    }
    return new Measurement.Work(s3.putFiles(map).size(), bytes);
  }

  private static Measurement.Work transferDirectory(Peers peers, String prefix, Path into, long objects, long bytes) {
    var done = peers.crtTransfers.downloadDirectory(b -> b.bucket(BUCKET)
        .listObjectsV2RequestTransformer(l -> l.prefix(prefix)).destination(into)).completionFuture().join();
    if (!done.failedTransfers().isEmpty()) {
      throw new IllegalStateException("downloadDirectory failed: " + done.failedTransfers().get(0).exception());
    }
    return new Measurement.Work(objects, bytes);
  }

  private static Measurement.Work uploadDirectory(Peers peers, Path dir, String prefix, long objects, long bytes) {
    var done = peers.crtTransfers.uploadDirectory(b -> b.source(dir).bucket(BUCKET).s3Prefix(prefix))
        .completionFuture().join();
    if (!done.failedTransfers().isEmpty()) {
      throw new IllegalStateException("uploadDirectory failed: " + done.failedTransfers().get(0).exception());
    }
    return new Measurement.Work(objects, bytes);
  }

  private static Measurement.Work downloadFiles(Peers peers, List<String> keys, Path into, long bytes) {
    List<java.util.concurrent.CompletableFuture<?>> all = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      String key = keys.get(i);
      Path dest = into.resolve("large-" + i);
      all.add(peers.crtTransfers.downloadFile(b -> b.getObjectRequest(g -> g.bucket(BUCKET).key(key))
          .destination(dest)).completionFuture());
    }
    all.forEach(java.util.concurrent.CompletableFuture::join);
    return new Measurement.Work(keys.size(), bytes);
  }

  private static Measurement.Work uploadFiles(Peers peers, List<Path> files, String prefix) throws IOException {
    List<java.util.concurrent.CompletableFuture<?>> all = new ArrayList<>();
    long bytes = 0;
    for (int i = 0; i < files.size(); i++) {
      String key = prefix + "f" + i;
      Path f = files.get(i);
      bytes += Files.size(f);
      all.add(peers.javaTransfers.uploadFile(b -> b.putObjectRequest(p -> p.bucket(BUCKET).key(key)).source(f))
          .completionFuture());
    }
    all.forEach(java.util.concurrent.CompletableFuture::join);
    return new Measurement.Work(files.size(), bytes);
  }

  private static void print(List<Measurement> results, boolean cli) {
    System.out.println();
    System.out.printf(Locale.ROOT, "%-14s %-46s %10s %10s %8s %10s%n", "workload", "tool", "objects/s", "MiB/s",
        "ours/x", "peak heap");
    Map<String, Measurement> ours = new LinkedHashMap<>();
    for (Measurement m : results) {
      if (m.tool().startsWith("metaflow-s3")) {
        ours.put(m.workload(), m);
      }
    }
    for (Measurement m : results) {
      Measurement base = ours.get(m.workload());
      double ratio = m.bytes() > 0 ? base.mibPerSecond() / m.mibPerSecond() : base.objectsPerSecond()
          / m.objectsPerSecond();
      System.out.printf(Locale.ROOT, "%-14s %-46s %10.0f %10.1f %8s %7d MiB%n", m.workload(), m.tool(),
          m.objectsPerSecond(), m.mibPerSecond(), m == base ? "" : String.format(Locale.ROOT, "%.2fx", ratio),
          m.peakHeapBytes() >> 20);
    }
    if (!cli) {
      System.out.println("(the AWS CLI is not installed: apt-get install awscli to add it as a peer)");
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

  /** The benchmark's objects: written once, read by every tool. */
  private static final class Data {
    final List<String> smallKeys = new ArrayList<>();
    final List<String> smallUrls = new ArrayList<>();
    final List<Path> smallFiles = new ArrayList<>();
    final List<String> largeKeys = new ArrayList<>();
    final List<String> largeUrls = new ArrayList<>();
    final List<Path> largeFiles = new ArrayList<>();
    final List<String> listPrefixes = new ArrayList<>();
    final List<String> listPrefixUrls = new ArrayList<>();
    Path smallDir;
    long smallBytes;
    long largeBytes;

    static Data create(Path work, S3Settings settings, Map<String, Long> o) throws IOException {
      Data d = new Data();
      Random random = new Random(1);
      d.smallDir = Files.createDirectories(work.resolve("small"));
      byte[] small = new byte[(int) (o.get("--small-kib") * 1024)];
      try (S3 s3 = S3.builder().settings(settings).build()) {
        List<S3PutObject> puts = new ArrayList<>();
        for (int i = 0; i < o.get("--small"); i++) {
          random.nextBytes(small);
          String key = String.format(Locale.ROOT, "bench/small/obj-%06d", i);
          d.smallKeys.add(key);
          d.smallUrls.add("s3://" + BUCKET + "/" + key);
          d.smallFiles.add(Files.write(d.smallDir.resolve("obj-" + i), small));
          puts.add(S3PutObject.ofFile("s3://" + BUCKET + "/" + key, d.smallFiles.get(i)));
          d.smallBytes += small.length;
        }
        s3.putMany(puts);
        Path largeDir = Files.createDirectories(work.resolve("large"));
        byte[] chunk = new byte[1 << 20];
        Map<String, Path> large = new LinkedHashMap<>();
        for (int i = 0; i < o.get("--large"); i++) {
          Path f = largeDir.resolve("big-" + i + ".bin");
          try (var out = Files.newOutputStream(f)) {
            for (long m = 0; m < o.get("--large-mib"); m++) {
              random.nextBytes(chunk);
              out.write(chunk);
            }
          }
          String key = "bench/large/big-" + i + ".bin";
          d.largeKeys.add(key);
          d.largeUrls.add("s3://" + BUCKET + "/" + key);
          d.largeFiles.add(f);
          large.put("s3://" + BUCKET + "/" + key, f);
          d.largeBytes += Files.size(f);
        }
        s3.putFiles(large);
        List<S3PutObject> keys = new ArrayList<>();
        long perPrefix = Math.max(1, o.get("--list-keys") / 100);
        for (int p = 0; p < 100; p++) {
          String prefix = String.format(Locale.ROOT, "bench/list/p%03d/", p);
          d.listPrefixes.add(prefix);
          d.listPrefixUrls.add("s3://" + BUCKET + "/" + prefix);
          for (int k = 0; k < perPrefix; k++) {
            keys.add(S3PutObject.of(String.format(Locale.ROOT, "s3://%s/%sk%06d", BUCKET, prefix, k), new byte[0]));
          }
        }
        s3.putMany(keys);
      }
      return d;
    }
  }
}
