package io.metaflows3.beam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.metaflows3.core.LocalS3;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.local.LocalS3Extension;
import io.metaflows3.local.LocalS3Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.filter2.predicate.FilterApi;
import org.apache.parquet.filter2.predicate.FilterPredicate;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith({LocalS3Extension.class, TestPipelineExtension.class})
class ParquetReadTest {
  @Test
  void rowsWrittenAsPartitionedParquetReadBackTheSame(LocalS3Server server) {
    S3Settings settings = LocalS3.settings(server).build();
    List<Row> rows = new ArrayList<>();
    for (long i = 0; i < 3000; i++) {
      rows.add(Row.withSchema(ROW_SCHEMA).addValues(i, i % 5 == 0 ? null : i / 4.0, "l" + i, i % 3 == 0 ? "DE" : "FR")
          .build());
    }
    String prefix = LocalS3.root(server, "pq/written/");
    org.apache.beam.sdk.Pipeline write = TestPipeline.create().enableAbandonedNodeEnforcement(false);
    WriteResult result = write.apply(org.apache.beam.sdk.transforms.Create.of(rows).withRowSchema(ROW_SCHEMA))
        .apply(MetaflowS3IO.write().withSettings(settings).to(prefix).asParquet("country"));
    PAssert.that(result.getWrittenUrls()).satisfies(urls -> {
      urls.forEach(u -> assertTrue(u.matches(".*/pq/written/country=(DE|FR)/part-[0-9a-f]+-\\d+-b[0-9a-f]+-.*\\.parquet"), u));
      return null;
    });
    write.run().waitUntilFinish();
    org.apache.beam.sdk.Pipeline read = TestPipeline.create().enableAbandonedNodeEnforcement(false);
    PAssert.that(read.apply(MetaflowS3IO.read().withSettings(settings).from(prefix).asParquet(ROW_SCHEMA)))
        .containsInAnyOrder(rows);
    read.run().waitUntilFinish();
  }

  /** Delta's time travel: a version, or a time, reads the table as it was then, also through an inferred schema. */
  @Test
  void aReadAsOfAVersionOrATimeSeesTheTableAsItWasThen(LocalS3Server server) throws Exception {
    S3Settings settings = LocalS3.settings(server).build();
    String table = LocalS3.root(server, "pq/travel/");
    List<List<Row>> versions = new ArrayList<>();
    for (int v = 0; v < 2; v++) {
      List<Row> rows = new ArrayList<>();
      for (long i = 0; i < 50; i++) {
        rows.add(Row.withSchema(ROW_SCHEMA).addValues(v * 1000 + i, i / 2.0, "v" + v, i % 2 == 0 ? "DE" : "FR")
            .build());
      }
      versions.add(rows);
      MetaflowS3IO.Write write = MetaflowS3IO.write().withSettings(settings).to(table);
      org.apache.beam.sdk.Pipeline p = TestPipeline.create().enableAbandonedNodeEnforcement(false);
      p.apply(org.apache.beam.sdk.transforms.Create.of(rows).withRowSchema(ROW_SCHEMA))
          .apply((v == 0 ? write : write.withReplace()).asParquet("country"));
      p.run().waitUntilFinish();
      Thread.sleep(1100); // commit times of one-second resolution tell the versions apart
    }
    java.time.Instant firstCommit;
    try (S3 s3 = S3.builder().settings(settings).environment(Map.of()).build()) {
      firstCommit = s3.info(table + "_delta_log/00000000000000000001.json").lastModified().orElseThrow();
    }
    MetaflowS3IO.Read read = MetaflowS3IO.read().withSettings(settings).from(table);
    org.apache.beam.sdk.Pipeline p = TestPipeline.create().enableAbandonedNodeEnforcement(false);
    PAssert.that(p.apply("Latest", read.asParquet(ROW_SCHEMA))).containsInAnyOrder(versions.get(1));
    PAssert.that(p.apply("Version1", read.withVersion(1).asParquet(ROW_SCHEMA))).containsInAnyOrder(versions.get(0));
    PAssert.that(p.apply("AtTime", read.withTimestamp(firstCommit).asParquet(ROW_SCHEMA)))
        .containsInAnyOrder(versions.get(0));
    PAssert.that(p.apply("Version0", read.withVersion(0).asParquet(ROW_SCHEMA))).empty();
    PAssert.that(p.apply("Inferred", read.withVersion(1).asParquet()).apply(
        org.apache.beam.sdk.transforms.MapElements.into(org.apache.beam.sdk.values.TypeDescriptors.strings())
            .via(r -> r.getString("label")))).containsInAnyOrder(java.util.Collections.nCopies(50, "v0"));
    p.run().waitUntilFinish();
    String plain = LocalS3.root(server, "pq/plain-travel/");
    try (S3 s3 = S3.builder().settings(settings).environment(Map.of()).build()) {
      s3.put(plain + "a.txt", "not a table");
    }
    for (MetaflowS3IO.Read wrong : List.of(read.withVersion(7), MetaflowS3IO.read().withSettings(settings)
        .from(plain).withVersion(0))) {
      org.apache.beam.sdk.Pipeline failing = TestPipeline.create().enableAbandonedNodeEnforcement(false);
      failing.apply(wrong);
      Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
          () -> failing.run().waitUntilFinish());
      String message = String.valueOf(e.getMessage()) + e.getCause();
      assertTrue(message.contains("version 7") || message.contains("no Delta table"), message);
    }
  }

  /** mergeSchema: rows with a column more are added to the table's schema; earlier rows read it as null. */
  @Test
  void withMergeSchemaRowsWithANewColumnWidenTheTable(LocalS3Server server) {
    S3Settings settings = LocalS3.settings(server).build();
    String table = LocalS3.root(server, "pq/merge/");
    // score is required in the rows that have it: the table's column is nullable (older rows have none).
    Schema wider = Schema.builder().addFields(ROW_SCHEMA.getFields()).addInt32Field("score").build();
    Schema readAs = Schema.builder().addFields(ROW_SCHEMA.getFields())
        .addNullableField("score", Schema.FieldType.INT32).build();
    List<Row> first = List.of(Row.withSchema(ROW_SCHEMA).addValues(1L, 1.5, "a", "DE").build());
    List<Row> second = List.of(Row.withSchema(wider).addValues(2L, 2.5, "b", "FR", 7).build());
    MetaflowS3IO.Write write = MetaflowS3IO.write().withSettings(settings).to(table);
    org.apache.beam.sdk.Pipeline p1 = TestPipeline.create().enableAbandonedNodeEnforcement(false);
    p1.apply(org.apache.beam.sdk.transforms.Create.of(first).withRowSchema(ROW_SCHEMA))
        .apply(write.asParquet("country"));
    p1.run().waitUntilFinish();
    org.apache.beam.sdk.Pipeline refused = TestPipeline.create().enableAbandonedNodeEnforcement(false);
    refused.apply(org.apache.beam.sdk.transforms.Create.of(second).withRowSchema(wider))
        .apply(write.asParquet("country"));
    Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
        () -> refused.run().waitUntilFinish());
    assertTrue(String.valueOf(e.getMessage()).contains("mergeSchema adds columns"), e.getMessage());
    org.apache.beam.sdk.Pipeline p2 = TestPipeline.create().enableAbandonedNodeEnforcement(false);
    p2.apply(org.apache.beam.sdk.transforms.Create.of(second).withRowSchema(wider))
        .apply(write.asParquet("country").withMergeSchema());
    p2.run().waitUntilFinish();
    // The first row has no score; without a schema given, the columns are the log's, typed by the files.
    org.apache.beam.sdk.Pipeline read = TestPipeline.create().enableAbandonedNodeEnforcement(false);
    MetaflowS3IO.Read from = MetaflowS3IO.read().withSettings(settings).from(table);
    PAssert.that(read.apply("Given", from.asParquet(readAs)))
        .containsInAnyOrder(Row.withSchema(readAs).addValues(1L, 1.5, "a", "DE", null).build(),
            Row.withSchema(readAs).addValues(2L, 2.5, "b", "FR", 7).build());
    PAssert.that(read.apply("Inferred", from.asParquet()).apply(org.apache.beam.sdk.transforms.MapElements
        .into(org.apache.beam.sdk.values.TypeDescriptors.strings())
        .via(r -> r.getSchema().getFieldNames() + " " + r.getInt64("id") + ":" + r.getValue("score"))))
        .containsInAnyOrder("[id, amount, label, country, score] 1:null", "[id, amount, label, country, score] 2:7");
    read.run().waitUntilFinish();
  }

  /** The codec and row group size as asked, read back whole, each row with its file's URL. */
  @Test
  void writeOptionsShapeTheFilesAndRowsKeepTheirUrls(LocalS3Server server, @TempDir Path dir) throws Exception {
    S3Settings settings = LocalS3.settings(server).build();
    List<Row> rows = new ArrayList<>();
    for (long i = 0; i < 20_000; i++) {
      rows.add(Row.withSchema(ROW_SCHEMA).addValues(i, i / 3.0, "label " + i + " of a long text", "NL").build());
    }
    String prefix = LocalS3.root(server, "pq/options/");
    org.apache.beam.sdk.Pipeline write = TestPipeline.create().enableAbandonedNodeEnforcement(false);
    write.apply(org.apache.beam.sdk.transforms.Create.of(rows).withRowSchema(ROW_SCHEMA))
        .apply(MetaflowS3IO.write().withSettings(settings).to(prefix).asParquet("country")
            .withCodec(CompressionCodecName.ZSTD).withRowGroupSize(16 * 1024));
    write.run().waitUntilFinish();
    List<String> files;
    try (S3 s3 = S3.builder().settings(settings).environment(Map.of()).build()) {
      files = s3.listRecursive(List.of(prefix + "country=NL/")).stream().map(o -> o.url()).toList();
      assertTrue(!files.isEmpty());
      int mostRowGroups = 0;
      for (String file : files) {
        Path local = Files.write(dir.resolve("local.parquet"), s3.get(file).blob());
        try (ParquetFileReader r = ParquetFileReader.open(new LocalInputFile(local))) {
          mostRowGroups = Math.max(mostRowGroups, r.getRowGroups().size());
          assertEquals(CompressionCodecName.ZSTD, r.getRowGroups().get(0).getColumns().get(0).getCodec());
        }
      }
      assertTrue(mostRowGroups > 1, "16 KiB row groups: at most " + mostRowGroups + " in a file");
    }
    org.apache.beam.sdk.Pipeline read = TestPipeline.create().enableAbandonedNodeEnforcement(false);
    PAssert.that(read.apply(MetaflowS3IO.read().withSettings(settings).from(prefix).asParquet(ROW_SCHEMA)
        .withSourceUrls())).satisfies(got -> {
          List<Row> values = new ArrayList<>();
          got.forEach(kv -> {
            assertTrue(files.contains(kv.getKey()), kv.getKey());
            values.add(kv.getValue());
          });
          assertEquals(rows.size(), values.size());
          assertTrue(values.containsAll(rows));
          return null;
        });
    read.run().waitUntilFinish();
  }

  private static final MessageType FILE_SCHEMA = MessageTypeParser.parseMessageType(
      "message sales { required int64 id; optional double amount; optional binary label (STRING); }");
  private static final Schema ROW_SCHEMA = Schema.builder().addInt64Field("id")
      .addNullableField("amount", Schema.FieldType.DOUBLE).addNullableField("label", Schema.FieldType.STRING)
      .addStringField("country").build();

  @Test
  void multiRowGroupFileReadInRangesEqualsWhatWasWritten(LocalS3Server server, TestPipeline p,
      @TempDir Path dir) throws Exception {
    S3Settings settings = LocalS3.settings(server).partSize(64 * 1024).build();
    Path file = dir.resolve("part-0.parquet");
    List<Row> expected = new ArrayList<>();
    SimpleGroupFactory groups = new SimpleGroupFactory(FILE_SCHEMA);
    try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file)).withType(FILE_SCHEMA)
        .withRowGroupSize(16 * 1024).withPageSize(4 * 1024).build()) {
      for (long i = 0; i < 20_000; i++) {
        Group g = groups.newGroup().append("id", i);
        if (i % 7 != 0) {
          g.append("amount", i * 1.5);
        }
        g.append("label", "label-" + (i % 100));
        writer.write(g);
        expected.add(Row.withSchema(ROW_SCHEMA).addValues(i, i % 7 != 0 ? i * 1.5 : null, "label-" + (i % 100), "US")
            .build());
      }
    }
    int rowGroups;
    try (ParquetFileReader r = ParquetFileReader.open(new LocalInputFile(file))) {
      rowGroups = r.getRowGroups().size();
    }
    assertTrue(rowGroups >= 4, "the file has " + rowGroups + " row groups");
    String prefix = LocalS3.root(server, "pq/table/");
    try (S3 s3 = S3.builder().settings(settings).environment(Map.of()).build()) {
      s3.putFiles(Map.of(prefix + "country=US/part-0.parquet", file));
      s3.put(prefix + "_SUCCESS", "");
    }
    long size = Files.size(file);
    PAssert.that(p.apply(MetaflowS3IO.read().withSettings(settings).from(prefix).withBundleSize(size / 5)
        .asParquet(ROW_SCHEMA))).containsInAnyOrder(expected);
    // Parquet's own filter: rows of ids above 17,000 and labels of 40, row groups of other ids not fetched.
    FilterPredicate filter = FilterApi.and(FilterApi.gt(FilterApi.longColumn("id"), 17_000L),
        FilterApi.eq(FilterApi.binaryColumn("label"), Binary.fromString("label-40")));
    PAssert.that("filtered", p.apply("Filtered", MetaflowS3IO.read().withSettings(settings).from(prefix)
        .withBundleSize(size / 5).asParquet(ROW_SCHEMA).withFilter(filter)))
        .containsInAnyOrder(expected.stream().filter(r -> r.getInt64("id") > 17_000
            && r.getString("label").equals("label-40")).toList());
    p.run().waitUntilFinish();
  }

  private static final Schema INNER = Schema.builder().addInt32Field("a")
      .addArrayField("b", Schema.FieldType.STRING).build();
  private static final Schema RICH = Schema.builder().addInt64Field("id")
      .addNullableField("amount", Schema.FieldType.logicalType(
          org.apache.beam.sdk.schemas.logicaltypes.FixedPrecisionNumeric.of(18, 3)))
      .addNullableField("ts", Schema.FieldType.DATETIME)
      .addNullableField("label", Schema.FieldType.STRING).addNullableField("inner", Schema.FieldType.row(INNER))
      .addNullableField("xs", Schema.FieldType.array(Schema.FieldType.DOUBLE))
      .addNullableField("tags", Schema.FieldType.map(Schema.FieldType.STRING, Schema.FieldType.INT64))
      .addNullableField("raw", Schema.FieldType.BYTES).addNullableField("ok", Schema.FieldType.BOOLEAN)
      .addNullableField("country", Schema.FieldType.STRING).build();

  @Test
  void everyBeamTypeWrittenReadsBackTheSameWithAGivenOrAnInferredSchema(LocalS3Server server) {
    S3Settings settings = LocalS3.settings(server).build();
    List<Row> rows = new ArrayList<>();
    for (long i = 0; i < 500; i++) {
      boolean nulls = i % 9 == 4;
      rows.add(Row.withSchema(RICH).addValues(i,
          nulls ? null : new java.math.BigDecimal(java.math.BigInteger.valueOf(i * 1234567), 3),
          nulls ? null : new org.joda.time.Instant(1_600_000_000_000L + i * 1_000_003L), nulls ? null : "l" + i,
          nulls ? null : Row.withSchema(INNER).addValues((int) i, List.of("x" + i, "y")).build(),
          nulls ? null : List.of(i * 0.5, -1.0), nulls ? null : Map.of("k" + i, i),
          nulls ? null : new byte[] {(byte) i, 7}, nulls ? null : i % 2 == 0, i % 3 == 0 ? "DE" : "FR").build());
    }
    String prefix = LocalS3.root(server, "pq/rich/");
    org.apache.beam.sdk.Pipeline write = TestPipeline.create().enableAbandonedNodeEnforcement(false);
    write.apply(org.apache.beam.sdk.transforms.Create.of(rows).withRowSchema(RICH))
        .apply(MetaflowS3IO.write().withSettings(settings).to(prefix).asParquet("country"));
    write.run().waitUntilFinish();
    org.apache.beam.sdk.Pipeline read = TestPipeline.create().enableAbandonedNodeEnforcement(false);
    PAssert.that(read.apply("Given", MetaflowS3IO.read().withSettings(settings).from(prefix).asParquet(RICH)))
        .containsInAnyOrder(rows);
    MetaflowS3IO.Read inferred = MetaflowS3IO.read().withSettings(settings).from(prefix);
    PCollection<Row> back = read.apply("Inferred", inferred.asParquet());
    PAssert.that(back.apply(org.apache.beam.sdk.transforms.MapElements.into(
        org.apache.beam.sdk.values.TypeDescriptors.strings()).via(r -> r.getInt64("id") + " " + r.getString("label")
            + " " + r.getString("country") + " " + r.getDateTime("ts") + " " + r.getDecimal("amount"))))
        .containsInAnyOrder(rows.stream().map(r -> r.getInt64("id") + " " + r.getString("label") + " "
            + r.getString("country") + " " + r.getDateTime("ts") + " " + r.getDecimal("amount")).toList());
    read.run().waitUntilFinish();
  }

  @Test
  void int96TimestampsAsSparkWritesThemReadAsDatetimes(LocalS3Server server, TestPipeline p, @TempDir Path dir)
      throws Exception {
    MessageType legacy = MessageTypeParser.parseMessageType(
        "message spark_schema { required int64 id; optional int96 ts; }");
    Path file = dir.resolve("part-0.parquet");
    // 2021-03-14T01:59:59.123Z: Julian day number 2459288, 7,199,123,000,000 ns into the day, little-endian.
    java.nio.ByteBuffer int96 = java.nio.ByteBuffer.allocate(12).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    int96.putLong(7_199_123_000_000L).putInt(2_459_288);
    try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file)).withType(legacy)
        .build()) {
      writer.write(new SimpleGroupFactory(legacy).newGroup().append("id", 1L)
          .append("ts", org.apache.parquet.io.api.Binary.fromConstantByteArray(int96.array())));
      writer.write(new SimpleGroupFactory(legacy).newGroup().append("id", 2L));
    }
    String prefix = LocalS3.root(server, "pq/int96/");
    try (S3 s3 = S3.builder().settings(LocalS3.settings(server).build()).environment(Map.of()).build()) {
      s3.putFiles(Map.of(prefix + "part-0.parquet", file));
    }
    MetaflowS3IO.Read read = MetaflowS3IO.read().withSettings(LocalS3.settings(server).build()).from(prefix);
    PCollection<Row> rows = p.apply(read.asParquet());
    Schema expected = Schema.builder().addInt64Field("id").addNullableField("ts", Schema.FieldType.DATETIME).build();
    PAssert.that(rows).containsInAnyOrder(
        Row.withSchema(expected).addValues(1L, org.joda.time.Instant.parse("2021-03-14T01:59:59.123Z")).build(),
        Row.withSchema(expected).addValues(2L, null).build());
    p.run().waitUntilFinish();
  }

  /**
   * Spark and Delta name columns case-insensitively: a file's {@code Amount} is the schema's {@code amount}, and
   * a folder's {@code Country=US} its {@code country}.
   */
  @Test
  void aFileSpellingAColumnInAnotherCaseReadsIntoTheSchemasColumn(LocalS3Server server, TestPipeline p,
      @TempDir Path dir) throws Exception {
    MessageType written = MessageTypeParser.parseMessageType(
        "message spark_schema { required int64 ID; optional double Amount; optional binary other (STRING); }");
    Path file = dir.resolve("part-0.parquet");
    try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file)).withType(written)
        .build()) {
      writer.write(new SimpleGroupFactory(written).newGroup().append("ID", 1L).append("Amount", 2.5)
          .append("other", "x"));
      writer.write(new SimpleGroupFactory(written).newGroup().append("ID", 2L));
    }
    String prefix = LocalS3.root(server, "pq/cased/");
    try (S3 s3 = S3.builder().settings(LocalS3.settings(server).build()).environment(Map.of()).build()) {
      s3.putFiles(Map.of(prefix + "Country=US/part-0.parquet", file));
    }
    Schema schema = Schema.builder().addInt64Field("id").addNullableField("amount", Schema.FieldType.DOUBLE)
        .addNullableField("country", Schema.FieldType.STRING).build();
    PCollection<Row> rows = p.apply(MetaflowS3IO.read().withSettings(LocalS3.settings(server).build()).from(prefix)
        .asParquet(schema));
    PAssert.that(rows).containsInAnyOrder(Row.withSchema(schema).addValues(1L, 2.5, "US").build(),
        Row.withSchema(schema).addValues(2L, null, "US").build());
    p.run().waitUntilFinish();
  }

  @Test
  void aCorruptObjectGoesToTheErrorHandlerAndTheRestIsRead(LocalS3Server server) throws Exception {
    S3Settings settings = LocalS3.settings(server).build();
    Schema schema = Schema.builder().addInt64Field("id").build();
    List<Row> rows = new ArrayList<>();
    for (long i = 0; i < 100; i++) {
      rows.add(Row.withSchema(schema).addValues(i).build());
    }
    String table = LocalS3.root(server, "pq/with-bad/");
    org.apache.beam.sdk.Pipeline write = TestPipeline.create().enableAbandonedNodeEnforcement(false);
    write.apply(org.apache.beam.sdk.transforms.Create.of(rows).withRowSchema(schema))
        .apply(MetaflowS3IO.write().withSettings(settings).to(table).asParquet());
    write.run().waitUntilFinish();
    String plain = LocalS3.root(server, "pq/plain-with-bad/");
    try (S3 s3 = S3.builder().settings(settings).environment(Map.of()).build()) {
      // A plain prefix (no commit log, so every object is visible): our file, and one that is not Parquet.
      int n = 0;
      for (io.metaflows3.core.api.S3Object o : s3.getRecursive(List.of(table))) {
        if (o.url().endsWith(".parquet")) {
          s3.put(plain + "good-" + n++ + ".parquet", Files.readAllBytes(o.path().orElseThrow()));
        }
      }
      s3.put(plain + "corrupt.parquet", "PAR1 this is not a Parquet file PAR1");
    }
    org.apache.beam.sdk.Pipeline read = TestPipeline.create().enableAbandonedNodeEnforcement(false);
    org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler<PCollection<Long>> handler =
        read.registerBadRecordErrorHandler(org.apache.beam.sdk.transforms.Count.globally());
    PCollection<Row> got = read.apply(MetaflowS3IO.read().withSettings(settings).from(plain)
        .withBadRecordErrorHandler(handler).asParquet(schema));
    PAssert.that(got).containsInAnyOrder(rows);
    handler.close();
    PAssert.thatSingleton(handler.getOutput()).isEqualTo(1L);
    read.run().waitUntilFinish();
    org.apache.beam.sdk.Pipeline strict = TestPipeline.create().enableAbandonedNodeEnforcement(false);
    strict.apply(MetaflowS3IO.read().withSettings(settings).from(plain).asParquet(schema));
    org.junit.jupiter.api.Assertions.assertThrows(org.apache.beam.sdk.Pipeline.PipelineExecutionException.class,
        () -> strict.run().waitUntilFinish(), "without a handler, the corrupt object fails the read");
  }
}
