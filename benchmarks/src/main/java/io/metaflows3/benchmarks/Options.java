package io.metaflows3.benchmarks;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The benchmark's options: workload sizes, runs, and which suites to run. Defaults finish in minutes on 2 cores. */
final class Options {
  static final List<String> SUITES = List.of("small", "large", "list", "tables", "beam", "spark",
      "memory");
  private final Map<String, Long> sizes = new LinkedHashMap<>(Map.of("--small", 2000L, "--small-kib", 64L,
      "--large", 2L, "--large-mib", 128L, "--list-keys", 20_000L, "--rows", 1_000_000L, "--memory-mib", 4096L,
      "--runs", 3L, "--table-files", 100_000L, "--table-versions", 5_000L));
  private final Set<String> only = new LinkedHashSet<>(SUITES);
  private boolean s3like;

  static Options parse(String[] args) {
    Options o = new Options();
    for (int i = 0; i < args.length; i += 2) {
      if (i + 1 == args.length) {
        throw new IllegalArgumentException(args[i] + " needs a value");
      }
      if (args[i].equals("--mode")) {
        if (!args[i + 1].equals("loopback") && !args[i + 1].equals("s3like")) {
          throw new IllegalArgumentException("--mode takes loopback or s3like");
        }
        o.s3like = args[i + 1].equals("s3like");
      } else if (args[i].equals("--only")) {
        o.only.clear();
        o.only.addAll(Arrays.asList(args[i + 1].split(",")));
        if (!SUITES.containsAll(o.only)) {
          throw new IllegalArgumentException("--only takes a comma-separated list of " + SUITES);
        }
      } else if (o.sizes.containsKey(args[i])) {
        o.sizes.put(args[i], Long.parseLong(args[i + 1]));
      } else {
        throw new IllegalArgumentException("unknown option " + args[i] + "; options: " + o.sizes.keySet()
            + ", --mode loopback|s3like and --only " + String.join(",", SUITES));
      }
    }
    return o;
  }

  long get(String name) {
    return sizes.get(name);
  }

  int runs() {
    return (int) get("--runs");
  }

  /** Whether every tool talks to the server through a proxy that makes loopback behave like S3 (see Main). */
  boolean s3like() {
    return s3like;
  }

  boolean runs(String suite) {
    return only.contains(suite);
  }

  @Override
  public String toString() {
    return String.format(java.util.Locale.ROOT,
        "%d x %d KiB, %d x %d MiB, %d keys under 100 prefixes, Delta tables of %d files and %d versions, "
            + "%d table rows, %d MiB memory check; %d runs each; suites %s; %s", get("--small"), get("--small-kib"),
        get("--large"), get("--large-mib"), get("--list-keys"), get("--table-files"), get("--table-versions"),
        get("--rows"), get("--memory-mib"), runs(), only,
        s3like ? "S3-like: 20 ms to first byte, 80 MiB/s per connection" : "loopback");
  }
}
