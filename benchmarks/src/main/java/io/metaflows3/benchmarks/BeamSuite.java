package io.metaflows3.benchmarks;

import io.metaflows3.beam.MetaflowS3File;
import io.metaflows3.beam.MetaflowS3IO;
import io.metaflows3.benchmarks.Measurement.Tool;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.local.LocalS3Server;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.List;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineRunner;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.aws2.options.S3ClientBuilderFactory;
import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.beam.sdk.io.aws2.s3.DefaultS3ClientBuilderFactory;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * Beam on the DirectRunner and on Flink's runner: {@code MetaflowS3IO.read()} against {@code FileIO.match().readMatches()} over
 * Beam's own S3 filesystem (amazon-web-services2), and listing against that filesystem's match. Both
 * pipelines sum the bytes they read and fail unless the sum is the data's size.
 */
final class BeamSuite {
  private final URI endpoint;
  private final S3Settings settings;
  private final BenchData data;
  private final int runs;
  private final List<Measurement> results;

  BeamSuite(URI endpoint, S3Settings settings, BenchData data, int runs, List<Measurement> results) {
    this.endpoint = endpoint;
    this.settings = settings;
    this.data = data;
    this.runs = runs;
    this.results = results;
    FileSystems.setDefaultPipelineOptions(options(DirectRunner.class));
  }

  /**
   * Options for {@code runner}, with Beam's S3 filesystem set up for the server: the DirectRunner without its
   * per-element checks (they re-encode every element; off for both sides, as for a real run), Flink as an
   * embedded cluster of parallelism 2 (the machine's cores).
   */
  private S3Options options(Class<? extends PipelineRunner<?>> runner) {
    S3Options options = PipelineOptionsFactory.as(S3Options.class);
    options.setRunner(runner);
    options.as(DirectOptions.class).setEnforceImmutability(false);
    options.as(DirectOptions.class).setEnforceEncodability(false);
    options.as(FlinkPipelineOptions.class).setFlinkMaster("[local]");
    options.as(FlinkPipelineOptions.class).setParallelism(2);
    // Flink copies each element between chained operators unless told not to, as its runner advises for speed.
    options.as(FlinkPipelineOptions.class).setFasterCopy(true);
    options.setEndpoint(endpoint);
    options.setAwsRegion(Region.US_EAST_1);
    options.setAwsCredentialsProvider(StaticCredentialsProvider.create(
        AwsBasicCredentials.create(LocalS3Server.ACCESS_KEY_ID, LocalS3Server.SECRET_ACCESS_KEY)));
    options.setS3ClientFactoryClass(PathStyleClients.class);
    return options;
  }

  /** Beam's S3 clients with path-style addressing, as a local endpoint needs (bucket names are not hosts). */
  public static final class PathStyleClients implements S3ClientBuilderFactory {
    @Override
    public S3ClientBuilder createBuilder(S3Options options) {
      return new DefaultS3ClientBuilderFactory().createBuilder(options).forcePathStyle(true);
    }
  }

  void run() throws Exception {
    for (Class<? extends PipelineRunner<?>> runner : List.of(DirectRunner.class, FlinkRunner.class)) {
      String on = runner == DirectRunner.class ? "" : " (Flink)";
      read("beam read small" + on, BenchData.SMALL, data.smallKeys.size(), data.smallBytes, options(runner));
      read("beam read large" + on, BenchData.LARGE, data.largeKeys.size(), data.largeBytes, options(runner));
    }
  }

  /** The listing peer: Beam's S3 filesystem matching every prefix's keys. */
  Tool listingPeer() {
    List<String> globs = data.listPrefixes.stream().map(p -> BenchData.url(p) + "*").toList();
    return new Tool("Beam FileSystems.match (aws2)", () -> { }, () -> {
      long n = 0;
      for (MatchResult m : FileSystems.match(globs)) {
        n += m.metadata().size();
      }
      return new Measurement.Work(n, 0);
    });
  }

  private void read(String workload, String prefix, long objects, long bytes, S3Options options) throws Exception {
    String url = BenchData.url(prefix);
    results.addAll(Measurement.interleaved(workload, runs, List.of(
        new Tool("metaflow-s3 MetaflowS3IO.read()", () -> { },
            () -> runSummingBytes(options, MetaflowS3IO.read().from(url).withSettings(settings), objects, bytes,
                o -> (long) o.bytes.length)),
        new Tool("metaflow-s3 read().asFiles(), streamed", () -> { },
            () -> runSummingBytes(options, new StreamFiles(url, settings), objects, bytes, n -> n)),
        new Tool("Beam FileIO.match().readMatches() (aws2)", () -> { },
            () -> runSummingBytes(options, new MatchAndRead(url + "*"), objects, bytes, n -> n)))));
  }

  private <T> Measurement.Work runSummingBytes(S3Options options, PTransform<PBegin, PCollection<T>> read,
      long objects, long bytes, org.apache.beam.sdk.transforms.SerializableFunction<T, Long> size) {
    Pipeline p = Pipeline.create(options);
    p.apply(read)
        .apply(MapElements.into(TypeDescriptors.longs()).via(size))
        .apply(Sum.longsGlobally())
        .apply(ParDo.of(new Expect(bytes)));
    p.run().waitUntilFinish();
    return new Measurement.Work(objects, bytes);
  }

  /** FileIO's match and read, each file streamed through a 1 MiB buffer (no file held whole in memory). */
  private static final class MatchAndRead extends PTransform<PBegin, PCollection<Long>> {
    private final String glob;

    MatchAndRead(String glob) {
      this.glob = glob;
    }

    @Override
    public PCollection<Long> expand(PBegin input) {
      return input.apply(FileIO.match().filepattern(glob)).apply(FileIO.readMatches())
          .apply(ParDo.of(new CountBytes()));
    }
  }

  private static final class CountBytes extends DoFn<FileIO.ReadableFile, Long> {
    @ProcessElement
    public void process(@Element FileIO.ReadableFile file, OutputReceiver<Long> out) throws IOException {
      try (ReadableByteChannel channel = file.open()) {
        out.output(count(channel));
      }
    }
  }

  /** Our handles, each streamed as FileIO's files are: through a 1 MiB buffer. */
  private static final class StreamFiles extends PTransform<PBegin, PCollection<Long>> {
    private final String url;
    private final S3Settings settings;

    StreamFiles(String url, S3Settings settings) {
      this.url = url;
      this.settings = settings;
    }

    @Override
    public PCollection<Long> expand(PBegin input) {
      return input.apply(MetaflowS3IO.read().from(url).withSettings(settings).asFiles())
          .apply(ParDo.of(new CountFileBytes(settings)));
    }
  }

  private static final class CountFileBytes extends DoFn<MetaflowS3File, Long> {
    private final S3Settings settings;

    CountFileBytes(S3Settings settings) {
      this.settings = settings;
    }

    @ProcessElement
    public void process(@Element MetaflowS3File file, OutputReceiver<Long> out) throws IOException {
      try (ReadableByteChannel channel = file.open(settings)) {
        out.output(count(channel));
      }
    }
  }

  private static long count(ReadableByteChannel channel) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
    long n = 0;
    for (int r; (r = channel.read(buffer)) >= 0; buffer.clear()) {
      n += r;
    }
    return n;
  }

  /** Fails the pipeline unless the bytes summed are the bytes expected. */
  private static final class Expect extends DoFn<Long, Void> {
    private final long expected;

    Expect(long expected) {
      this.expected = expected;
    }

    @ProcessElement
    public void process(@Element Long got) {
      if (got != expected) {
        throw new IllegalStateException("read " + got + " bytes, expected " + expected);
      }
    }
  }
}
