package io.metaflows3.beam;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.metaflows3.core.LocalS3;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3PutObject;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.local.LocalS3Extension;
import io.metaflows3.local.LocalS3Server;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.aws2.options.S3ClientBuilderFactory;
import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.beam.sdk.io.aws2.s3.DefaultS3ClientBuilderFactory;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * {@code readFiles()} composed with Beam's {@code FileIO.match()} and {@code readMatches()} over Beam's own S3
 * filesystem, side by side with FileIO's own read of the same matched files in the same pipeline.
 */
@ExtendWith(LocalS3Extension.class)
class ReadFilesTest {
  /** Beam's S3 clients with path-style addressing, as a local endpoint needs (bucket names are not hosts). */
  public static final class PathStyleClients implements S3ClientBuilderFactory {
    @Override
    public S3ClientBuilder createBuilder(S3Options options) {
      return new DefaultS3ClientBuilderFactory().createBuilder(options).forcePathStyle(true);
    }
  }

  /** Options of Beam's own S3 filesystem on the local server. */
  private static S3Options beamS3(LocalS3Server server) {
    S3Options options = PipelineOptionsFactory.as(S3Options.class);
    options.setRunner(DirectRunner.class);
    options.setEndpoint(server.endpoint());
    options.setAwsRegion(Region.US_EAST_1);
    options.setAwsCredentialsProvider(StaticCredentialsProvider.create(
        AwsBasicCredentials.create(LocalS3Server.ACCESS_KEY_ID, LocalS3Server.SECRET_ACCESS_KEY)));
    options.setS3ClientFactoryClass(PathStyleClients.class);
    return options;
  }

  /** Reports each URL as a sink the way Beam's own S3 filesystem reports a file it wrote. */
  private static final class BeamSinkLineageFn extends org.apache.beam.sdk.transforms.DoFn<String, Void> {
    @ProcessElement
    public void process(@Element String url) {
      org.apache.beam.sdk.io.FileSystems.reportSinkLineage(
          org.apache.beam.sdk.io.FileSystems.matchNewResource(url, false));
    }
  }

  /**
   * With no settings given, reads and writes take the pipeline's AwsOptions / S3Options (endpoint, credentials,
   * region), as Beam's own S3 file system does; settings given win over them.
   */
  @Test
  void thePipelinesAwsOptionsAreTheDefaultSettings(LocalS3Server server) {
    String prefix = LocalS3.root(server, "pipeline-options/");
    Pipeline write = Pipeline.create(beamS3(server));
    write.apply(Create.of(KV.of("a.txt", "one\n".getBytes()), KV.of("b.txt", "two\n".getBytes()))
            .withCoder(KvCoder.of(StringUtf8Coder.of(), ByteArrayCoder.of())))
        .apply(MetaflowS3IO.write().to(prefix));
    write.run().waitUntilFinish();

    Pipeline read = Pipeline.create(beamS3(server));
    PAssert.that(read.apply(MetaflowS3IO.read().from(prefix).asLines())).containsInAnyOrder("one", "two");
    read.run().waitUntilFinish();

    S3Options elsewhere = beamS3(server);
    elsewhere.setEndpoint(java.net.URI.create("http://127.0.0.1:9"));
    Pipeline given = Pipeline.create(elsewhere);
    PAssert.that(given.apply(MetaflowS3IO.read().withSettings(LocalS3.settings(server).build()).from(prefix)
        .asLines())).containsInAnyOrder("one", "two");
    given.run().waitUntilFinish();
  }

  @Test
  void readsAndWritesReportLineageAsBeamsOwnS3IoDoes(LocalS3Server server) {
    S3Settings settings = LocalS3.settings(server).build();
    String prefix = LocalS3.root(server, "lineage/");
    try (S3 s3 = S3.builder().settings(settings).environment(Map.of()).build()) {
      for (int i = 0; i < 3; i++) {
        s3.put(prefix + "in/part-" + i + ".txt", "line " + i + "\n");
      }
    }
    Pipeline textIo = Pipeline.create(beamS3(server));
    textIo.apply(org.apache.beam.sdk.io.TextIO.read().from(prefix + "in/*"));
    Pipeline ours = Pipeline.create(beamS3(server));
    ours.apply(MetaflowS3IO.read().withSettings(settings).from(prefix + "in/").asLines());
    java.util.Set<String> sources = org.apache.beam.sdk.metrics.Lineage.query(ours.run().metrics(),
        org.apache.beam.sdk.metrics.Lineage.Type.SOURCE);
    assertEquals(3, sources.size(), "one per file: " + sources);
    assertEquals(org.apache.beam.sdk.metrics.Lineage.query(textIo.run().metrics(),
        org.apache.beam.sdk.metrics.Lineage.Type.SOURCE), sources, "sources");

    Pipeline write = Pipeline.create(beamS3(server));
    WriteResult written = write.apply(Create.of(KV.of("a.bin", new byte[] {1}), KV.of("b/c.bin", new byte[] {2}))
            .withCoder(KvCoder.of(StringUtf8Coder.of(), ByteArrayCoder.of())))
        .apply(MetaflowS3IO.write().withSettings(settings).to(prefix + "out/"));
    java.util.Set<String> sinks = org.apache.beam.sdk.metrics.Lineage.query(write.run().metrics(),
        org.apache.beam.sdk.metrics.Lineage.Type.SINK);
    List<String> urls;
    try (S3 s3 = S3.builder().settings(settings).environment(Map.of()).build()) {
      urls = s3.listRecursive(List.of(prefix + "out/")).stream().map(o -> o.url())
          .filter(u -> !u.contains("/_")).toList();
    }
    assertEquals(2, urls.size(), urls.toString());
    assertEquals(2, sinks.size(), "one per object: " + sinks);
    Pipeline beam = Pipeline.create(beamS3(server));
    beam.apply(Create.of(urls)).apply(org.apache.beam.sdk.transforms.ParDo.of(new BeamSinkLineageFn()));
    assertEquals(org.apache.beam.sdk.metrics.Lineage.query(beam.run().metrics(),
        org.apache.beam.sdk.metrics.Lineage.Type.SINK), sinks, "sinks");
  }

  @Test
  void linesAreTextIosLines(LocalS3Server server) {
    S3Settings settings = LocalS3.settings(server).build();
    String prefix = LocalS3.root(server, "textio/");
    try (S3 s3 = S3.builder().settings(settings).environment(Map.of()).build()) {
      s3.put(prefix + "ends/a.txt", "\uFEFFfirst\rsecond\r\nthird\n\n\rlast");
      s3.put(prefix + "ends/b.txt", "x\r\r\ny\n");
      s3.put(prefix + "delimited/c.txt", "\uFEFFone|~two\nstill two|~|~three||~four|");
    }
    byte[] delimiter = "|~".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> MetaflowS3IO.read()
        .from(prefix).asLines().withDelimiter("\n\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)),
        "a delimiter that overlaps itself, as TextIO refuses it");
    Pipeline p = Pipeline.create(beamS3(server));
    // The same lines both ways, which TextIO's own read (asserted alike, in the same pipeline) pins down.
    PAssert.that(p.apply("Ours", MetaflowS3IO.read().withSettings(settings).from(prefix + "ends/").asLines()))
        .containsInAnyOrder("first", "second", "third", "", "", "last", "x", "", "y");
    PAssert.that(p.apply("TextIOLines", org.apache.beam.sdk.io.TextIO.read().from(prefix + "ends/*")))
        .containsInAnyOrder("first", "second", "third", "", "", "last", "x", "", "y");
    PAssert.that(p.apply("OursDelimited", MetaflowS3IO.read().withSettings(settings).from(prefix + "delimited/")
        .asLines().withDelimiter(delimiter))).containsInAnyOrder("one", "two\nstill two", "", "three|", "four|");
    PAssert.that(p.apply("TextIODelimited", org.apache.beam.sdk.io.TextIO.read().from(prefix + "delimited/*")
        .withDelimiter(delimiter))).containsInAnyOrder("one", "two\nstill two", "", "three|", "four|");
    p.run().waitUntilFinish();
  }

  @Test
  void matchedFilesReadAsFileIOReadsThem(LocalS3Server server) {
    S3Settings settings = LocalS3.settings(server).partSize(16 * 1024).build();
    String prefix = LocalS3.root(server, "readfiles/");
    Map<String, byte[]> expected = new TreeMap<>();
    Random random = new Random(5);
    try (S3 s3 = S3.builder().settings(settings).environment(Map.of()).build()) {
      List<S3PutObject> puts = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        byte[] data = new byte[i == 7 ? 0 : i == 9 ? 250_000 : 100 + 37 * i];
        random.nextBytes(data);
        puts.add(S3PutObject.of(prefix + "country=US/f" + i + ".bin", data));
        expected.put(prefix + "country=US/f" + i + ".bin", data);
      }
      s3.putMany(puts);
    }
    Pipeline p = Pipeline.create(beamS3(server));
    // Each file element gets a time of its own, as a streaming match or a user's WithTimestamps gives them.
    PCollection<FileIO.ReadableFile> files = p.apply(FileIO.match().filepattern(prefix + "country=US/*"))
        .apply(FileIO.readMatches())
        .apply(org.apache.beam.sdk.transforms.WithTimestamps.of((FileIO.ReadableFile f) -> timeOf(
            f.getMetadata().resourceId().toString())));
    PCollection<MetaflowS3Object> ours = files.apply(MetaflowS3IO.readFiles().withSettings(settings)
        .withBundleSize(64 * 1024));
    PCollection<KV<String, byte[]>> theirs = files.apply(MapElements
        .into(TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptor.of(byte[].class)))
        .via((FileIO.ReadableFile f) -> KV.of(f.getMetadata().resourceId().toString(), readFully(f))))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), ByteArrayCoder.of()));
    PAssert.that(ours).satisfies(objects -> {
      Map<String, List<MetaflowS3Object>> byUrl = new TreeMap<>();
      objects.forEach(o -> byUrl.computeIfAbsent(o.url, u -> new ArrayList<>()).add(o));
      assertEquals(expected.keySet(), byUrl.keySet());
      byUrl.forEach((url, chunks) -> {
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        chunks.stream().sorted(Comparator.comparingLong(o -> o.offset)).forEach(o -> joined.writeBytes(o.bytes));
        assertArrayEquals(expected.get(url), joined.toByteArray(), url);
      });
      assertEquals(4, byUrl.get(prefix + "country=US/f9.bin").size(), "250,000 bytes in 64 KiB ranges");
      return null;
    });
    PAssert.that(ours.apply(org.apache.beam.sdk.transforms.Reify.timestamps())).satisfies(stamped -> {
      stamped.forEach(t -> assertEquals(timeOf(t.getValue().url), t.getTimestamp(), "the file's own time: "
          + t.getValue().url));
      return null;
    });
    PAssert.that(theirs).satisfies(read -> {
      Map<String, byte[]> got = new TreeMap<>();
      read.forEach(kv -> got.put(kv.getKey(), kv.getValue()));
      assertEquals(expected.keySet(), got.keySet());
      got.forEach((url, bytes) -> assertArrayEquals(expected.get(url), bytes, "FileIO's read of " + url));
      return null;
    });
    p.run().waitUntilFinish();
  }

  /** A time per file: 2021-01-01 plus its number in minutes. */
  private static org.joda.time.Instant timeOf(String url) {
    int n = Integer.parseInt(url.substring(url.lastIndexOf("/f") + 2, url.lastIndexOf('.')));
    return org.joda.time.Instant.parse("2021-01-01T00:00:00Z").plus(org.joda.time.Duration.standardMinutes(n));
  }

  private static byte[] readFully(FileIO.ReadableFile file) {
    try {
      return file.readFullyAsBytes();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
