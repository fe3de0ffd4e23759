package io.metaflows3.samples;

import io.metaflows3.core.FlowRun;
import io.metaflows3.core.GetOption;
import io.metaflows3.core.IncludedFile;
import io.metaflows3.core.PutOption;
import io.metaflows3.core.S3;
import io.metaflows3.core.S3GetObject;
import io.metaflows3.core.S3Object;
import io.metaflows3.core.S3PutObject;
import io.metaflows3.core.S3Settings;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The examples of metaflow.S3's documentation, in Java: each method is one example a user can copy. Every
 * example returns a one-line result, printed by {@link #runAll}.
 */
public final class SeedExamples {
  private final S3Settings settings;
  private final String s3root;
  private final FlowRun run;

  public SeedExamples(S3Settings settings, String s3root, FlowRun run) {
    this.settings = settings;
    this.s3root = s3root;
    this.run = run;
  }

  private S3 inRun(FlowRun r) {
    return S3.builder().settings(settings).s3root(s3root).run(r).build();
  }

  /** Store and load an object within a run: its URL names the flow and run. */
  public String storeAndLoadInRun() {
    try (S3 s3 = inRun(run)) {
      String url = s3.put("example_object", "hello from " + run);
      S3Object obj = s3.get("example_object");
      return obj.text() + " <- " + url;
    }
  }

  /** Load an object a past run produced: open that run by its id. */
  public String loadFromPastRun(FlowRun past) {
    try (S3 s3 = inRun(past)) {
      return s3.get("example_object").text();
    }
  }

  /** Store and load under a known s3root, outside any run. */
  public String storeAndLoadUnderS3root() {
    try (S3 s3 = S3.builder().settings(settings).s3root(s3root + "/shared/").build()) {
      s3.put("fruit", "banana");
      return s3.get("fruit").text() + " <- " + s3.get("fruit").url();
    }
  }

  /** get_many: several objects in parallel, results in request order. */
  public String getMany() {
    try (S3 s3 = inRun(run)) {
      s3.putMany(List.of(S3PutObject.of("many/a", "1"), S3PutObject.of("many/b", "2"), S3PutObject.of("many/c", "3")));
      return s3.getMany(List.of("many/c", "many/a", "many/b")).stream().map(S3Object::text)
          .collect(Collectors.joining(","));
    }
  }

  /** get_recursive: everything below prefixes, in key order. */
  public String getRecursive() {
    try (S3 s3 = inRun(run)) {
      return s3.getRecursive(List.of("many")).stream().map(o -> o.key() + "=" + o.text())
          .collect(Collectors.joining(","));
    }
  }

  /** Two 1 KiB ranges of one object. */
  public String twoRanges() {
    byte[] data = new byte[4096];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) ('a' + i % 26);
    }
    try (S3 s3 = inRun(run)) {
      s3.put("blob.bin", data);
      List<S3Object> parts = s3.getManyObjects(List.of(S3GetObject.of("blob.bin", 0, 1024),
          S3GetObject.of("blob.bin", 1024, 1024)));
      return parts.stream().map(p -> p.range().orElseThrow() + " starts " + new String(p.blob(), 0, 3))
          .collect(Collectors.joining("; "));
    }
  }

  /** put_many and put_files: values and local files, stored in parallel. */
  public String putManyAndPutFiles(Path scratch) {
    try (S3 s3 = inRun(run)) {
      Path file = Files.writeString(scratch.resolve("notes.txt"), "a local file");
      int values = s3.putMany(List.of(S3PutObject.of("put/one", "1"), S3PutObject.of("put/two", "2")
          .withContentType("text/csv").withMetadata(Map.of("source", "sample")))).size();
      Map<String, Path> files = new LinkedHashMap<>();
      files.put("put/notes.txt", file);
      int uploaded = s3.putFiles(files).size();
      boolean kept = s3.putMany(List.of(S3PutObject.of("put/one", "overwritten?")), PutOption.NO_OVERWRITE).isEmpty()
          && s3.get("put/one").text().equals("1");
      return values + " values, " + uploaded + " file, overwrite=false kept the first value: " + kept;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** list_paths and list_recursive over first/a/object1, first/b/x/object2, second/c/object3. */
  public String listing() {
    try (S3 s3 = S3.builder().settings(settings).s3root(s3root + "/listing-" + run.runId() + "/").build()) {
      s3.putMany(List.of(S3PutObject.of("first/a/object1", "1"), S3PutObject.of("first/b/x/object2", "2"),
          S3PutObject.of("second/c/object3", "3")));
      String paths = s3.listPaths().stream().map(S3Object::key).collect(Collectors.joining(","));
      String recursive = s3.listRecursive().stream().map(S3Object::key).collect(Collectors.joining(","));
      return "list_paths: " + paths + " | list_recursive: " + recursive;
    }
  }

  /** return_missing: a missing key gives an object that does not exist, instead of an exception. */
  public String returnMissing() {
    try (S3 s3 = inRun(run)) {
      S3Object missing = s3.get("no-such-key", GetOption.RETURN_MISSING);
      return missing.key() + " exists=" + missing.exists();
    }
  }

  /** IncludeFile: a local file stored once per content under the run, versioned by its SHA-1. */
  public String includeFile(Path scratch) {
    try (S3 s3 = inRun(run)) {
      Path config = Files.writeString(scratch.resolve("config.json"), "{\"learning_rate\": 0.1}");
      IncludedFile included = s3.includeFile(config);
      return "sha1 " + included.sha1() + " -> " + included.url();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs every example, printing each result; returns them by name. */
  public Map<String, String> runAll(FlowRun past, Path scratch, PrintStream out) {
    Map<String, String> results = new LinkedHashMap<>();
    results.put("store and load in a run", storeAndLoadInRun());
    results.put("load from a past run", past == null ? "(no past run yet)" : loadFromPastRun(past));
    results.put("store and load under an s3root", storeAndLoadUnderS3root());
    results.put("get_many", getMany());
    results.put("get_recursive", getRecursive());
    results.put("two 1 KiB ranges", twoRanges());
    results.put("put_many and put_files", putManyAndPutFiles(scratch));
    results.put("list_paths and list_recursive", listing());
    results.put("return_missing", returnMissing());
    results.put("IncludeFile", includeFile(scratch));
    results.forEach((name, result) -> out.println("    " + name + ": " + result));
    return results;
  }
}
