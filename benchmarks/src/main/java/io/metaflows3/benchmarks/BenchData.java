package io.metaflows3.benchmarks;

import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3PutObject;
import io.metaflows3.core.api.S3Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/** The objects every tool reads: written once (random bytes, fixed seed), untimed. */
final class BenchData {
  static final String BUCKET = io.metaflows3.local.LocalS3Server.DEFAULT_BUCKET;
  static final String SMALL = "bench/small/";
  static final String LARGE = "bench/large/";
  static final String LIST = "bench/list/";
  final List<String> smallKeys = new ArrayList<>();
  final List<Path> smallFiles = new ArrayList<>();
  final List<String> largeKeys = new ArrayList<>();
  final List<Path> largeFiles = new ArrayList<>();
  final List<String> listPrefixes = new ArrayList<>();
  Path smallDir;
  long smallBytes;
  long largeBytes;

  static String url(String key) {
    return "s3://" + BUCKET + "/" + key;
  }

  static List<String> urls(List<String> keys) {
    return keys.stream().map(BenchData::url).toList();
  }

  static BenchData create(Path work, S3Settings settings, Options o) throws IOException {
    BenchData d = new BenchData();
    Random random = new Random(1);
    d.smallDir = Files.createDirectories(work.resolve("small"));
    byte[] small = new byte[(int) (o.get("--small-kib") * 1024)];
    try (S3 s3 = S3.builder().settings(settings).build()) {
      List<S3PutObject> puts = new ArrayList<>();
      for (int i = 0; i < o.get("--small"); i++) {
        random.nextBytes(small);
        String key = String.format(Locale.ROOT, "%sobj-%06d", SMALL, i);
        d.smallKeys.add(key);
        d.smallFiles.add(Files.write(d.smallDir.resolve("obj-" + i), small));
        puts.add(S3PutObject.ofFile(url(key), d.smallFiles.get(i)));
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
        String key = LARGE + "big-" + i + ".bin";
        d.largeKeys.add(key);
        d.largeFiles.add(f);
        large.put(url(key), f);
        d.largeBytes += Files.size(f);
      }
      s3.putFiles(large);
      List<S3PutObject> keys = new ArrayList<>();
      long perPrefix = Math.max(1, o.get("--list-keys") / 100);
      for (int p = 0; p < 100; p++) {
        String prefix = String.format(Locale.ROOT, "%sp%03d/", LIST, p);
        d.listPrefixes.add(prefix);
        for (int k = 0; k < perPrefix; k++) {
          keys.add(S3PutObject.of(String.format(Locale.ROOT, "%s%sk%06d", url(""), prefix, k), new byte[0]));
        }
      }
      s3.putMany(keys);
    }
    return d;
  }
}
