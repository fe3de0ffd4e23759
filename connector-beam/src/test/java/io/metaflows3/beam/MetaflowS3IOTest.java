package io.metaflows3.beam;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.metaflows3.core.metaflow.FlowRun;
import io.metaflows3.core.LocalS3;
import io.metaflows3.core.metaflow.MetaflowS3NotFound;
import io.metaflows3.core.metaflow.MetaflowS3URLException;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3PutObject;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.local.LocalS3Extension;
import io.metaflows3.local.LocalS3Server;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.StreamSupport;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.Pipeline.PipelineExecutionException;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith({LocalS3Extension.class, TestPipelineExtension.class})
class MetaflowS3IOTest {
  private final LocalS3Server server;
  private final S3Settings settings;

  MetaflowS3IOTest(LocalS3Server server) {
    this.server = server;
    this.settings = LocalS3.settings(server).partSize(16 * 1024).build();
  }

  private String url(String key) {
    return LocalS3.root(server, "beam/" + key);
  }

  private S3 client() {
    return S3.builder().settings(settings).environment(Map.of()).build();
  }

  private static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void readsManySmallObjectsAndOneLargeSplitIntoRanges(TestPipeline p) {
    Map<String, byte[]> expected = new TreeMap<>();
    try (S3 s3 = client()) {
      List<S3PutObject> puts = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        byte[] data = random(100 + i * 50, i);
        puts.add(S3PutObject.of(url("mixed/small-" + i), data));
        expected.put(url("mixed/small-" + i), data);
      }
      byte[] large = random(300_000, 99);
      puts.add(S3PutObject.of(url("mixed/large.bin"), large));
      expected.put(url("mixed/large.bin"), large);
      s3.putMany(puts);
    }
    PCollection<MetaflowS3Object> read = p.apply(MetaflowS3IO.read().withSettings(settings)
        .from(url("mixed/")).withBundleSize(64 * 1024));
    String largeUrl = url("mixed/large.bin");
    PAssert.that(read).satisfies(objects -> {
      Map<String, List<MetaflowS3Object>> byUrl = new TreeMap<>();
      objects.forEach(o -> byUrl.computeIfAbsent(o.url, u -> new ArrayList<>()).add(o));
      assertEquals(expected.keySet(), byUrl.keySet());
      for (Map.Entry<String, List<MetaflowS3Object>> e : byUrl.entrySet()) {
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        e.getValue().stream().sorted(Comparator.comparingLong(o -> o.offset)).forEach(o -> joined.writeBytes(o.bytes));
        assertArrayEquals(expected.get(e.getKey()), joined.toByteArray(), e.getKey());
      }
      assertEquals(5, byUrl.get(largeUrl).size(), "300,000 bytes in 64 KiB ranges");
      return null;
    });
    p.run().waitUntilFinish();
  }

  /** Handles read by their consumer: a 300,000-byte object streamed in 16 KiB parts (the next fetched ahead). */
  @Test
  void filesAreHandlesStreamedWhenOpened(TestPipeline p) {
    Map<String, byte[]> expected = new TreeMap<>();
    try (S3 s3 = client()) {
      for (int i = 0; i < 5; i++) {
        byte[] data = random(i == 3 ? 300_000 : 10 * i + 1, 40 + i);
        s3.put(url("files/country=NL/f" + i), data);
        expected.put(url("files/country=NL/f" + i), data);
      }
    }
    S3Settings s = settings;
    PCollection<KV<String, byte[]>> read = p.apply(MetaflowS3IO.read().withSettings(settings).from(url("files/"))
            .withBundleSize(64 * 1024).asFiles())
        .apply(MapElements.into(TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptor.of(byte[].class)))
            .via((MetaflowS3File f) -> {
              assertEquals(Map.of("country", "NL"), f.partitionValues);
              try {
                return KV.of(f.url, f.readFullyAsBytes(s));
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            }))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), ByteArrayCoder.of()));
    PAssert.that(read).satisfies(files -> {
      Map<String, byte[]> got = new TreeMap<>();
      files.forEach(kv -> got.put(kv.getKey(), kv.getValue()));
      assertEquals(expected.keySet(), got.keySet(), "one handle per object, the large one too");
      got.forEach((u, bytes) -> assertArrayEquals(expected.get(u), bytes, u));
      return null;
    });
    p.run().waitUntilFinish();
  }

  @Test
  void linesAcrossRangeBoundariesAreReadOnce() {
    StringBuilder text = new StringBuilder();
    List<String> lines = new ArrayList<>();
    Random random = new Random(3);
    for (int i = 0; i < 2000; i++) {
      String line = i + ":" + "abcdefghij".repeat(random.nextInt(8));
      lines.add(line);
      text.append(line).append('\n');
    }
    try (S3 s3 = client()) {
      s3.put(url("lines/a.txt"), text.toString());
      s3.put(url("lines/b.txt"), "last\nwithout newline");
    }
    lines.add("last");
    lines.add("without newline");
    for (long bundle : new long[] {1000, 4096, 1 << 20}) {
      Pipeline p = TestPipeline.create().enableAbandonedNodeEnforcement(false);
      PAssert.that(p.apply(MetaflowS3IO.read().withSettings(settings).from(url("lines/")).withBundleSize(bundle)
          .asLines())).containsInAnyOrder(lines);
      p.run().waitUntilFinish();
    }
  }

  @Test
  void compressedObjectsAreDecompressedAsTextIODecompressesThem(@org.junit.jupiter.api.io.TempDir
      java.nio.file.Path local) throws Exception {
    List<String> lines = new ArrayList<>();
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (var out = new java.util.zip.GZIPOutputStream(gz)) {
      for (int i = 0; i < 5000; i++) {
        String line = "row " + i + " " + "x".repeat(i % 13);
        lines.add(line);
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      }
    }
    java.nio.file.Files.write(local.resolve("c.txt.gz"), gz.toByteArray());
    try (S3 s3 = client()) {
      s3.put(url("gz/c.txt.gz"), gz.toByteArray());
      s3.put(url("gz-unnamed/c"), gz.toByteArray());
    }
    Pipeline p = TestPipeline.create().enableAbandonedNodeEnforcement(false);
    PAssert.that(p.apply("Ours", MetaflowS3IO.read().withSettings(settings).from(url("gz/")).withBundleSize(1000)
        .asLines())).containsInAnyOrder(lines);
    PAssert.that(p.apply("Given", MetaflowS3IO.read().withSettings(settings).from(url("gz-unnamed/"))
        .asLines(org.apache.beam.sdk.io.Compression.GZIP))).containsInAnyOrder(lines);
    PAssert.that(p.apply("TextIO", org.apache.beam.sdk.io.TextIO.read().from(local.resolve("c.txt.gz").toString())))
        .containsInAnyOrder(lines);
    p.run().waitUntilFinish();
  }

  @Test
  void anEmptyPrefixFailsTheReadUnlessEmptyMatchesAreAllowed() {
    Pipeline strict = TestPipeline.create().enableAbandonedNodeEnforcement(false);
    strict.apply(MetaflowS3IO.read().withSettings(settings).from(url("nothing-here/")));
    PipelineExecutionException e = assertThrows(PipelineExecutionException.class,
        () -> strict.run().waitUntilFinish());
    assertInstanceOf(MetaflowS3NotFound.class, e.getCause());
    Pipeline lenient = TestPipeline.create().enableAbandonedNodeEnforcement(false);
    PAssert.that(lenient.apply(MetaflowS3IO.read().withSettings(settings).from(url("nothing-here/"))
        .withEmptyMatchTreatment(org.apache.beam.sdk.io.fs.EmptyMatchTreatment.ALLOW))).empty();
    lenient.run().waitUntilFinish();
  }

  @Test
  void emptyObjectsAreElementsAndFolderMarkersAreNot(TestPipeline p) {
    try (S3 s3 = client()) {
      s3.put(url("empties/a.txt"), "x\n");
      s3.put(url("empties/e.txt"), "");
      s3.put(url("empties/folder/"), ""); // a folder marker, as consoles make them
    }
    MetaflowS3IO.Read read = MetaflowS3IO.read().withSettings(settings).from(url("empties/"));
    PAssert.that(p.apply("Objects", read).apply(MapElements.into(org.apache.beam.sdk.values.TypeDescriptors.strings())
        .via(o -> o.key.substring(o.key.lastIndexOf('/') + 1) + "=" + o.bytes.length)))
        .containsInAnyOrder("a.txt=2", "e.txt=0");
    PAssert.that(p.apply("Lines", read.asLines())).containsInAnyOrder("x");
    p.run().waitUntilFinish();
  }

  @Test
  void aContinuousReadReadsEachObjectOnceAsItAppearsUntilTheCompletionMarker() throws Exception {
    String prefix = url("continuous/");
    try (S3 s3 = client()) {
      s3.put(prefix + "a", "one");
    }
    Thread later = new Thread(() -> {
      try (S3 s3 = client()) {
        Thread.sleep(1500);
        s3.put(prefix + "b", "two");
        Thread.sleep(1000);
        s3.put(prefix + "_SUCCESS", ""); // hidden: ends the read, is not read
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    Pipeline p = TestPipeline.create().enableAbandonedNodeEnforcement(false);
    // The prefix arrives with a time of now (as from a stream), later than the object already there.
    PCollection<String> texts = p.apply(Create.timestamped(org.apache.beam.sdk.values.TimestampedValue.of(prefix,
            org.joda.time.Instant.now())))
        .apply(MetaflowS3IO.readAll().withSettings(settings)
            .continuously(org.joda.time.Duration.millis(200), org.apache.beam.sdk.transforms.Watch.Growth.never())
            .withCompletionMarker("_SUCCESS"))
        .apply(MapElements.into(org.apache.beam.sdk.values.TypeDescriptors.strings())
            .via(o -> o.key.substring(o.key.lastIndexOf('/') + 1) + "=" + new String(o.bytes, StandardCharsets.UTF_8)));
    PAssert.that(texts).containsInAnyOrder("a=one", "b=two");
    later.start();
    p.run().waitUntilFinish(); // ends: the marker completes the only location
    later.join();
    assertThrows(IllegalArgumentException.class, () -> MetaflowS3IO.read().from(prefix)
        .withCompletionMarker("_SUCCESS").expand(org.apache.beam.sdk.values.PBegin.in(TestPipeline.create())),
        "a marker without continuously(..)");
  }

  @Test
  void runsAreReadObjectByObjectAsTheyAppearWithTheirTimesAndWindowsFireAsPollsGoOn() throws Exception {
    Pipeline p = TestPipeline.create().enableAbandonedNodeEnforcement(false);
    p.getOptions().as(org.apache.beam.sdk.options.StreamingOptions.class).setStreaming(true);
    WatchedRuns.check(p, settings, url("watched"), true);
  }

  @Test
  void readsKeysAndPrefixesOfARun(TestPipeline p) {
    String s3root = url("runs");
    try (S3 s3 = S3.builder().settings(settings).s3root(s3root).run(FlowRun.of("BeamFlow", "5")).build()) {
      s3.put("in/a.txt", "A");
      s3.put("in/b.txt", "B");
      s3.put("other.txt", "C");
    }
    MetaflowS3IO.Read base = MetaflowS3IO.read().withSettings(settings).withS3root(s3root)
        .withRun(FlowRun.of("BeamFlow", "5"));
    PCollection<String> texts = p.apply(base.withPrefixes(List.of("in")).withKeys(List.of("other.txt")))
        .apply(org.apache.beam.sdk.transforms.MapElements.into(org.apache.beam.sdk.values.TypeDescriptors.strings())
            .via(o -> o.key + "=" + new String(o.bytes, StandardCharsets.UTF_8) + ":" + o.lineage.get("metaflow-flow")));
    PAssert.that(texts).containsInAnyOrder("beam/runs/BeamFlow/5/in/a.txt=A:BeamFlow",
        "beam/runs/BeamFlow/5/in/b.txt=B:BeamFlow", "beam/runs/BeamFlow/5/other.txt=C:BeamFlow");
    p.run().waitUntilFinish();
  }

  @Test
  void partitionLimitedReadReadsOnlyChosenPrefixes() {
    try (S3 s3 = client()) {
      List<S3PutObject> puts = new ArrayList<>();
      for (String country : List.of("DE", "FR", "US")) {
        for (int i = 0; i < 3; i++) {
          puts.add(S3PutObject.of(url("sales/country=" + country + "/part-" + i), country + i));
        }
      }
      s3.putMany(puts);
    }
    // A table of one listing page is listed flat, once; the partition filter still limits the GETs. Each
    // folder from beam/sales/ up to the bucket is probed once for a commit log (3 LISTs).
    assertEquals(1 + 3 + 3, requestsOfRead(List.of("US")), "1 LIST + 3 probes + 3 GETs (country=US/ only)");
    assertEquals(1 + 3 + 9, requestsOfRead(null), "1 LIST + 3 probes + 9 GETs");
    Pipeline misspelt = TestPipeline.create().enableAbandonedNodeEnforcement(false);
    misspelt.apply(MetaflowS3IO.read().withSettings(settings).from(url("sales/")).withPartitions("contry",
        List.of("US")));
    PipelineExecutionException e = assertThrows(PipelineExecutionException.class,
        () -> misspelt.run().waitUntilFinish());
    assertTrue(e.getCause().getMessage().contains("'contry'") && e.getCause().getMessage().contains("country"),
        e.getCause().getMessage());
    assertThrows(MetaflowS3URLException.class, () -> MetaflowS3IO.watchForNewRuns("F").withS3root("http://x"));
  }

  private long requestsOfRead(List<String> countries) {
    Pipeline p = TestPipeline.create().enableAbandonedNodeEnforcement(false);
    MetaflowS3IO.Read read = MetaflowS3IO.read().withSettings(settings).from(url("sales/"));
    if (countries != null) {
      read = read.withPartitions("country", countries);
    }
    PCollection<String> got = p.apply(read).apply(org.apache.beam.sdk.transforms.MapElements
        .into(org.apache.beam.sdk.values.TypeDescriptors.strings()).via(o -> new String(o.bytes, StandardCharsets.UTF_8)));
    if (countries != null) {
      PAssert.that(got).containsInAnyOrder("US0", "US1", "US2");
    }
    PipelineResult result = p.run();
    result.waitUntilFinish();
    return counter(result, "requests");
  }

  private static long counter(PipelineResult result, String name) {
    Iterable<MetricResult<Long>> counters = result.metrics().queryMetrics(MetricsFilter.builder()
        .addNameFilter(MetricNameFilter.named(S3Metrics.NAMESPACE, name)).build()).getCounters();
    return StreamSupport.stream(counters.spliterator(), false).mapToLong(MetricResult::getAttempted).sum();
  }

  @Test
  void writesUnderTheRunAndReadsBackExactlyWhatWasCommitted() {
    String s3root = url("written");
    FlowRun run = FlowRun.of("WriteFlow", "11");
    List<KV<String, byte[]>> models = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      models.add(KV.of("country=C" + (i % 5) + "/model-" + i + ".json", ("{\"i\":" + i + "}").getBytes()));
    }
    Pipeline write = TestPipeline.create().enableAbandonedNodeEnforcement(false);
    WriteResult result = write.apply(Create.of(models).withCoder(KvCoder.of(StringUtf8Coder.of(), ByteArrayCoder.of())))
        .apply(MetaflowS3IO.write().withSettings(settings).withS3root(s3root).to(run, "models/")
            .withContentType("application/json"));
    PAssert.that(result.getWrittenUrls()).satisfies(urls -> {
      List<String> all = new ArrayList<>();
      urls.forEach(all::add);
      assertEquals(25, all.size());
      assertTrue(all.stream().allMatch(u -> u.startsWith(s3root + "/WriteFlow/11/models/country=C")), all.get(0));
      return null;
    });
    PipelineResult done = write.run();
    done.waitUntilFinish();
    assertEquals(25, counter(done, "objectsWritten"));

    try (S3 s3 = client()) {
      // Debris of a failed attempt under the same prefix: not in the commit log, so never read.
      s3.put(s3root + "/WriteFlow/11/models/country=C0/model-0-bdead-x.json", "debris");
    }
    Pipeline read = TestPipeline.create().enableAbandonedNodeEnforcement(false);
    PCollection<String> texts = read.apply(MetaflowS3IO.read().withSettings(settings).withS3root(s3root)
        .withRun(run).withPrefixes(List.of("models/")))
        .apply(org.apache.beam.sdk.transforms.MapElements.into(org.apache.beam.sdk.values.TypeDescriptors.strings())
            .via(o -> new String(o.bytes, StandardCharsets.UTF_8) + "|" + o.contentType));
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      expected.add("{\"i\":" + i + "}|application/json");
    }
    PAssert.that(texts).containsInAnyOrder(expected);
    read.run().waitUntilFinish();
  }

  @Test
  void missingPrefixFailsThePipelineWithTheTypedError() {
    Pipeline p = TestPipeline.create().enableAbandonedNodeEnforcement(false);
    p.apply(MetaflowS3IO.read().withSettings(settings).from(url("no/such/prefix/")));
    Throwable e = assertThrows(Pipeline.PipelineExecutionException.class, () -> p.run().waitUntilFinish());
    assertInstanceOf(MetaflowS3NotFound.class, e.getCause());
  }

  @Test
  void withMethodsValidateAndReturnCopies() {
    MetaflowS3IO.Read base = MetaflowS3IO.read().withSettings(settings);
    MetaflowS3IO.Read from = base.from(url("x/"));
    String replaced = DisplayData.from(base.from(url("first/")).from(url("x/"))).toString();
    assertTrue(replaced.contains("prefixes=" + url("x/")) && !replaced.contains("first/"), "from(..) replaces: "
        + replaced);
    assertEquals(List.of(), base.getPrefixes(), "withX returns a copy");
    assertEquals(List.of(url("x/")), from.getPrefixes());
    assertThrows(MetaflowS3URLException.class, () -> base.from("s3://Bad_Bucket/x"));
    assertThrows(IllegalArgumentException.class, () -> base.from("relative/path"));
    assertThrows(IllegalArgumentException.class, () -> base.withBundleSize(0));
    assertThrows(IllegalArgumentException.class, () -> base.withPartitions("country", List.of()));
    assertThrows(IllegalArgumentException.class, () -> base.withPrefixes(List.of()));
    assertThrows(IllegalArgumentException.class, () -> base.withKeys(List.of()));
    assertThrows(IllegalArgumentException.class, () -> MetaflowS3IO.write().withContentType(" "));
    assertThrows(IllegalArgumentException.class, () -> MetaflowS3IO.write().to(null, "x"));
    Pipeline p = Pipeline.create(PipelineOptionsFactory.create());
    assertThrows(IllegalArgumentException.class, () -> p.apply(base));
    assertThrows(IllegalArgumentException.class,
        () -> p.apply(base.withS3root(url("root")).withPrefixes(List.of(url("absolute/")))));
    DisplayData display = DisplayData.from(from.withPartitions("country", List.of("US")).withBundleSize(1234));
    assertTrue(display.items().stream().anyMatch(i -> i.getKey().equals("bundleBytes")
        && i.getValue().equals(1234L)), display.toString());
    assertTrue(display.toString().contains("country IN (US)"), display.toString());
    String lines = DisplayData.from(from.asLines().withCompression(org.apache.beam.sdk.io.Compression.GZIP))
        .toString();
    assertTrue(lines.contains("compression=GZIP") && lines.contains("prefixes=" + url("x/")), lines);
    String parquet = DisplayData.from(MetaflowS3IO.write().to(url("t/")).asParquet("country")
        .withCodec(org.apache.parquet.hadoop.metadata.CompressionCodecName.ZSTD).withRowGroupSize(1 << 20)).toString();
    assertTrue(parquet.contains("codec=ZSTD") && parquet.contains("rowGroupSize=1048576")
        && parquet.contains("partitionColumns=country"), parquet);
    assertThrows(IllegalArgumentException.class, () -> MetaflowS3IO.write().to(url("t/")).asParquet()
        .withRowGroupSize(0));
  }

  @Test
  void linesWithTheUrlsOfTheirObjects(TestPipeline p) {
    try (S3 s3 = client()) {
      s3.put(url("urls/a.txt"), "a1\na2\n");
      s3.put(url("urls/b.txt"), "b1");
    }
    PAssert.that(p.apply(MetaflowS3IO.read().withSettings(settings).from(url("urls/")).asLines().withSourceUrls()))
        .containsInAnyOrder(KV.of(url("urls/a.txt"), "a1"), KV.of(url("urls/a.txt"), "a2"),
            KV.of(url("urls/b.txt"), "b1"));
    p.run().waitUntilFinish();
  }
}
