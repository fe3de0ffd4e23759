package io.metaflows3.samples.docs;

// doc:beam-reference
// doc:beam-quick
import io.metaflows3.beam.*;
import io.metaflows3.core.metaflow.FlowRun;
import java.util.List;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
// end:beam-quick
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.transforms.Watch;
import org.apache.beam.sdk.values.KV;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.joda.time.Duration;
// end:beam-reference

import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.schemas.Schema;

/**
 * The Beam snippets of README.md and docs/beam.md: compiled, taking the pipeline, the rows to write and a schema
 * as they read there.
 */
final class BeamSnippets {
  private BeamSnippets() {}

  @SuppressWarnings("unused")
  static void quick(Pipeline p, PCollection<KV<String, byte[]>> models) {
    // doc:beam-quick
    // Every object below a run's prefix, partition-limited; objects over 8 MiB come as 8 MiB chunks.
    PCollection<MetaflowS3Object> objects = p.apply(MetaflowS3IO.read()
        .withS3root("s3://bucket/data").withRun(FlowRun.of("SalesDataFlow", "42"))
        .withPrefixes(List.of("sales/")).withPartitions("country", List.of("US", "DE")));
    PCollection<String> lines = p.apply(MetaflowS3IO.read().from("s3://bucket/logs/").asLines());   // .gz too
    PCollection<Row> rows = p.apply(MetaflowS3IO.read().from("s3://bucket/table/").asParquet());    // schema from a footer

    // KV<key, bytes> stored under the run, committed once; rows as a Delta table partitioned as Spark's are.
    models.apply(MetaflowS3IO.write().withS3root("s3://bucket/data").to(FlowRun.of("TrainFlow", "7"), "models/"));
    rows.apply(MetaflowS3IO.write().to("s3://bucket/by-country/").asParquet("country"));
    // end:beam-quick
  }

  @SuppressWarnings("unused")
  static void reference(Pipeline p, PCollection<KV<String, byte[]>> models, Schema schema) {
    // doc:beam-reference
    // Every object below a run's prefix, partition-limited; objects over 8 MiB come as 8 MiB chunks.
    PCollection<MetaflowS3Object> objects = p.apply(MetaflowS3IO.read()
        .withS3root("s3://bucket/data").withRun(FlowRun.of("SalesDataFlow", "42"))
        .withPrefixes(List.of("sales/")).withPartitions("country", List.of("US", "DE")));
    PCollection<String> lines = p.apply(MetaflowS3IO.read().from("s3://bucket/logs/").asLines());   // .gz too
    PCollection<KV<String, String>> withUrls = p.apply(MetaflowS3IO.read().from("s3://bucket/logs/").asLines()
        .withSourceUrls());                               // KV<object url, line>; asParquet(..) has it too
    PCollection<MetaflowS3File> handles = p.apply(MetaflowS3IO.read().from("s3://bucket/videos/").asFiles());
    // ... in a DoFn: try (InputStream in = file.openStream(settings)) { ... }   // streamed, any size
    PCollection<Row> rows = p.apply(MetaflowS3IO.read().from("s3://bucket/table/").asParquet());    // schema from a footer
    PCollection<Row> typed = p.apply(MetaflowS3IO.read().from("s3://bucket/table/").asParquet(schema));
    PCollection<MetaflowS3Object> matched = p.apply(FileIO.match().filepattern("s3://bucket/logs/*"))
        .apply(FileIO.readMatches()).apply(MetaflowS3IO.readFiles());   // composes with Beam's FileIO
    PCollection<MetaflowS3Object> runs = p.apply(MetaflowS3IO.watchForNewRuns("SalesDataFlow")
        .withS3root("s3://bucket/data"));                 // unbounded: each run's objects as they appear
    PCollection<MetaflowS3Object> arriving = p.apply(MetaflowS3IO.read().from("s3://bucket/landing/")
        .continuously(Duration.standardMinutes(1), Watch.Growth.never()));   // as FileIO.match().continuously(..)

    // KV<key, bytes> stored under the run: race-free, committed to the table's log that readers follow.
    WriteResult written = models.apply(MetaflowS3IO.write()
        .withS3root("s3://bucket/data").to(FlowRun.of("TrainFlow", "7"), "models/"));
    written.getWrittenUrls();   // PCollection<String> of the committed objects
    // Rows with a schema as Parquet, partitioned like Spark lays tables out (country=US/part-....parquet):
    rows.apply(MetaflowS3IO.write().to("s3://bucket/table/").asParquet("country")
        .withCodec(CompressionCodecName.ZSTD).withRowGroupSize(64 << 20));   // defaults: SNAPPY, 128 MiB
    // end:beam-reference
  }
}
