package io.metaflows3.beam;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.metaflows3.core.LocalS3;
import io.metaflows3.core.S3;
import io.metaflows3.core.S3Settings;
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
import org.apache.beam.sdk.values.Row;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
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
    p.run().waitUntilFinish();
  }
}
