package io.metaflows3.samples;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3GetObject;
import io.metaflows3.core.api.S3Object;
import io.metaflows3.core.api.S3PutObject;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.core.metaflow.FlowRun;
import io.metaflows3.core.metaflow.IncludedFile;
import io.metaflows3.core.table.Runs;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The examples of metaflow's "Loading and Storing Data" documentation, one method each, in the order the
 * documentation gives them; each returns the lines its Python original prints. The documentation's locations
 * are parameters: {@code tmp} stands for {@code s3://my-bucket/savin/tmp} and {@code datatools} for metaflow's
 * datatools root ({@code s3://my-bucket/metaflow/userdata/v1}), so with those values the output is the
 * documentation's, line for line ({@code SeedExamplesDocTest} checks it).
 */
public final class SeedExamples {
  private final S3Settings settings;
  private final String tmp;
  private final String datatools;
  private final String runId;

  public SeedExamples(S3Settings settings, String tmp, String datatools, String runId) {
    this.settings = settings;
    this.tmp = tmp;
    this.datatools = datatools;
    this.runId = runId;
  }

  /** {@code S3()}: no context, full URLs only. */
  private S3 s3() {
    return S3.builder().settings(settings).build();
  }

  private S3 s3root(String s3root) {
    return S3.builder().settings(settings).s3root(s3root).build();
  }

  /** S3DemoFlow: a step stores a message under the run, the next step loads it. */
  public List<String> storeAndLoadInAFlow() {
    List<String> printed = new ArrayList<>();
    FlowRun run = FlowRun.of("S3DemoFlow", runId);
    // start step
    try (S3 s3 = S3.builder().settings(settings).s3root(datatools).run(run).build()) {
      String message = "{\"message\": \"hello world!\"}";
      String url = s3.put("example_object", message);
      printed.add("Message saved at " + url);
    }
    // end step
    try (S3 s3 = S3.builder().settings(settings).s3root(datatools).run(run).build()) {
      S3Object s3obj = s3.get("example_object");
      printed.add("Object found at " + s3obj.url());
      printed.add("Message: " + pythonDict(json(s3obj.text())));
    }
    return printed;
  }

  /** Load what a past run produced: {@code S3(run=Flow('S3DemoFlow').latest_run)}. */
  public List<String> loadFromTheLatestRun() {
    FlowRun latest;
    try (S3 s3 = S3.builder().settings(settings).s3root(datatools).build()) {
      latest = Runs.latest(s3, "S3DemoFlow").orElseThrow();
    }
    try (S3 s3 = S3.builder().settings(settings).s3root(datatools).run(latest).build()) {
      return List.of(s3.get("example_object").text());
    }
  }

  /** Load an object that has nothing to do with Metaflow, by its full URL. */
  public List<String> loadAnExternalObject() {
    try (S3 external = s3()) {
      // What some other system left there.
      external.put(tmp + "/external_data", "I know nothing about Metaflow");
    }
    try (S3 s3 = s3()) {
      S3Object res = s3.get(tmp + "/external_data");
      return List.of("an alien message: " + res.text());
    }
  }

  /** Store under an s3root, load by full URL. */
  public List<String> storeUnderAnS3root() {
    try (S3 s3 = s3root(tmp + "/s3demo/")) {
      s3.put("fruit", "pineapple");
      s3.put("animal", "mongoose");
    }
    try (S3 s3 = s3()) {
      return List.of(s3.get(tmp + "/s3demo/fruit").text());
    }
  }

  /** The S3 result object and its attributes. */
  public List<String> theResultObject() {
    try (S3 s3 = s3root(tmp + "/s3demo/")) {
      S3Object s3obj = s3.get("fruit");
      return List.of(
          "location " + s3obj.url(),
          "key " + s3obj.key(),
          "size " + s3obj.size(),
          "local path " + s3obj.path().orElseThrow(),
          "bytes " + pythonBytes(s3obj.blob()),
          "unicode " + s3obj.text(),
          "metadata " + (s3obj.metadata().isEmpty() ? "None" : pythonDict(s3obj.metadata())),
          "content-type " + s3obj.contentType().orElse("None"),
          "downloaded " + (s3obj.downloaded() ? "True" : "False"));
    }
  }

  /** get_many: objects loaded in parallel, in request order. */
  public List<String> getMany() {
    try (S3 s3 = s3root(tmp + "/s3demo/")) {
      return pythonList(s3.getMany(List.of("fruit", "animal")));
    }
  }

  /** get_recursive: everything below prefixes. */
  public List<String> getRecursive() {
    try (S3 s3 = s3()) {
      return pythonList(s3.getRecursive(List.of(tmp + "/s3demo")));
    }
  }

  /** Two 1 KiB parts of one file, by {@code S3GetObject(key, offset, length)}; prints each part's path and size. */
  public List<String> loadPartsOfAFile(String url) {
    try (S3 s3 = s3()) {
      List<String> printed = new ArrayList<>();
      for (S3Object obj : s3.getManyObjects(List.of(S3GetObject.of(url, 0, 1024), S3GetObject.of(url, 1024, 1024)))) {
        printed.add(obj.path().orElseThrow() + " " + obj.size());
      }
      return printed;
    }
  }

  /** put_many: several values stored in parallel. */
  public List<String> putMany() {
    Map<String, String> many = new LinkedHashMap<>();
    many.put("first_key", "foo");
    many.put("second_key", "bar");
    try (S3 s3 = s3root(tmp + "/s3demo_put/")) {
      return pythonList(s3.putMany(many.entrySet().stream().map(e -> S3PutObject.of(e.getKey(), e.getValue()))
          .toList()));
    }
  }

  /** put_files: local files streamed up in parallel ({@code scratch} stands for /tmp). */
  public List<String> putFiles(Path scratch) {
    try {
      Path first = Files.writeString(scratch.resolve("1"), "first datum");
      Path second = Files.writeString(scratch.resolve("2"), "second datum");
      Map<String, Path> files = new LinkedHashMap<>();
      files.put("first_file", first);
      files.put("second_file", second);
      try (S3 s3 = s3root(tmp + "/s3demo_put/")) {
        return pythonList(s3.putFiles(files));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** list_paths and list_recursive over first/a/object1, first/b/x/object2, second/c/object3. */
  public List<String> listing() {
    List<String> printed = new ArrayList<>();
    try (S3 s3 = s3root(tmp + "/s3demo_list/")) {
      s3.putMany(List.of(S3PutObject.of("first/a/object1", "data"), S3PutObject.of("first/b/x/object2", "data"),
          S3PutObject.of("second/c/object3", "data")));
    }
    try (S3 s3 = s3root(tmp + "/s3demo_list/")) {
      s3.listPaths().forEach(key -> printed.add(key.key()));
      printed.add("");
      s3.listPaths(List.of("first", "second")).forEach(key -> printed.add(key.key()));
      printed.add("");
      s3.listPaths(List.of("first/a", "first/b")).forEach(key -> printed.add(key.key() + " "
          + (key.exists() ? "object" : "prefix")));
      printed.add("");
      s3.listRecursive().forEach(key -> printed.add(key.key()));
    }
    return printed;
  }

  /**
   * HashFileFlow: a local file included into the flow ({@code IncludeFile('myfile', is_text=False)}), stored as
   * metaflow stores it, then loaded in the start step and hashed.
   */
  public List<String> includeAFile(Path myinput) {
    FlowRun run = FlowRun.of("HashFileFlow", runId);
    try (S3 s3 = S3.builder().settings(settings).s3root(datatools).run(run).build()) {
      IncludedFile myfile = s3.includeFile(myinput, false, null);
      byte[] content = s3.loadIncludedFile(myfile);
      return List.of("Hello from start", "Hash of file is " + HexFormat.of().formatHex(sha1(content)), "Goodbye");
    }
  }

  private static byte[] sha1(byte[] content) {
    try {
      return MessageDigest.getInstance("SHA-1").digest(content);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is part of every JVM", e);
    }
  }

  /**
   * Runs every example, printing what each prints; returns the printed lines by example. The file the parts are
   * loaded from is made first, under {@code tmp} (the documentation reads a public data set).
   */
  public Map<String, List<String>> runAll(Path scratch, PrintStream out) {
    String partsUrl = tmp + "/s3demo_parts/data.bin";
    try (S3 s3 = s3()) {
      s3.put(partsUrl, new byte[4096]);
    }
    Map<String, List<String>> results = new LinkedHashMap<>();
    results.put("Store and load objects in a Metaflow flow", storeAndLoadInAFlow());
    results.put("Load external objects produced by a Metaflow run", loadFromTheLatestRun());
    results.put("Store and load objects to/from a known S3 location", loadAnExternalObject());
    results.put("... with an s3root", storeUnderAnS3root());
    results.put("The S3 result object", theResultObject());
    results.put("Load multiple objects in parallel", getMany());
    results.put("Load all objects recursively under a prefix", getRecursive());
    results.put("Loading parts of files", loadPartsOfAFile(partsUrl));
    results.put("Store multiple objects", putMany());
    results.put("... or files", putFiles(scratch));
    results.put("Listing objects in S3", listing());
    try {
      Path myinput = Files.write(scratch.resolve("myinput.bin"), new byte[] {1, 2, 3});
      results.put("Data in local files", includeAFile(myinput));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    results.forEach((name, printed) -> {
      out.println("    " + name + ":");
      printed.forEach(line -> out.println("      " + line));
    });
    return results;
  }

  // Python's printed forms, so the output reads as the documentation's.

  private static Map<String, String> json(String text) {
    try {
      return new ObjectMapper().readValue(text, new TypeReference<LinkedHashMap<String, String>>() {});
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String pythonDict(Map<String, String> map) {
    return map.entrySet().stream().map(e -> "'" + e.getKey() + "': '" + e.getValue() + "'")
        .collect(Collectors.joining(", ", "{", "}"));
  }

  private static String pythonBytes(byte[] bytes) {
    return "b'" + new String(bytes, StandardCharsets.US_ASCII) + "'";
  }

  /** A list as Python's interactive prompt prints one that does not fit a line: an element a line. */
  private static List<String> pythonList(List<?> items) {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      lines.add((i == 0 ? "[" : " ") + items.get(i) + (i == items.size() - 1 ? "]" : ","));
    }
    return lines.isEmpty() ? List.of("[]") : lines;
  }
}
