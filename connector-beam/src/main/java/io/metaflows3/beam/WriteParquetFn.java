package io.metaflows3.beam;

import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.core.table.AttemptWriter;
import io.metaflows3.core.table.PartitionPaths;
import io.metaflows3.core.table.TableWrite;
import io.metaflows3.core.table.WrittenObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.Row;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.extensions.avro.schemas.utils.AvroUtils;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;

/**
 * Writes a bundle's rows as Parquet: one local file per window and hive-style partition folder (the partition
 * columns name the folder and are left out of the file, as Spark does), uploaded at the end of the bundle under
 * a key unique to the bundle attempt. Rows are encoded by parquet-avro from Beam's own Avro form of them
 * ({@link AvroUtils}: every Beam type, nested and repeated fields included). Emits what it wrote in the rows'
 * window, for that window's commit.
 */
final class WriteParquetFn extends DoFn<Row, WrittenObject> {
  private final PCollectionView<TableWrite> job;
  private final S3Settings settings;
  private final List<String> partitionColumns;
  private final CompressionCodecName codec;
  private final long rowGroupSize;
  private transient S3 s3;
  private transient Path localDir;
  private transient Map<List<Object>, OpenFile> files;
  private transient AttemptWriter writer;
  private transient long[] reported;
  private transient Schema dataSchema;
  private transient org.apache.avro.Schema avroSchema;

  /** A local Parquet file being written for one window and partition folder. */
  private record OpenFile(BoundedWindow window, String folder, Map<String, String> partitionValues, Path local,
      ParquetWriter<GenericRecord> writer) {}

  WriteParquetFn(PCollectionView<TableWrite> job, S3Settings settings, List<String> partitionColumns,
      CompressionCodecName codec, long rowGroupSize) {
    this.job = job;
    this.settings = settings;
    this.partitionColumns = List.copyOf(partitionColumns);
    this.codec = codec;
    this.rowGroupSize = rowGroupSize;
  }

  @Setup
  public void setup() throws IOException {
    s3 = S3.builder().settings(settings).build();
    localDir = Files.createTempDirectory("metaflow-s3-beam-parquet");
    reported = new long[2];
  }

  @StartBundle
  public void startBundle() {
    files = new LinkedHashMap<>();
    writer = null;
  }

  @ProcessElement
  public void process(ProcessContext context, BoundedWindow window) throws IOException {
    if (writer == null) {
      writer = WriteBundleFn.openAttempt(context.sideInput(job), s3);
    }
    Row row = context.element();
    StringBuilder folder = new StringBuilder();
    Map<String, String> partitionValues = new java.util.HashMap<>();
    for (String column : partitionColumns) {
      Object v = row.getValue(column);
      String text = v == null ? null : v instanceof java.math.BigDecimal d ? d.toPlainString() : v.toString();
      folder.append(PartitionPaths.folder(column, text));
      partitionValues.put(column, text); // Delta's text of the value: a DATETIME is its ISO 8601 instant
    }
    if (dataSchema == null) {
      Schema.Builder b = Schema.builder();
      row.getSchema().getFields().stream().filter(f -> !partitionColumns.contains(f.getName())).forEach(b::addField);
      Schema data = b.build();
      avroSchema = ParquetRecords.avroSchema(data);
      dataSchema = ParquetRecords.plain(data);
    }
    OpenFile file = files.get(List.of(window, folder.toString()));
    if (file == null) {
      Path local = localDir.resolve("f" + files.size() + ".parquet");
      file = new OpenFile(window, folder.toString(), partitionValues, local, AvroParquetWriter.<GenericRecord>builder(
          new LocalOutputFile(local)).withSchema(avroSchema).withCompressionCodec(codec).withRowGroupSize(rowGroupSize)
          .build());
      files.put(List.of(window, folder.toString()), file);
    }
    Row.Builder data = Row.withSchema(dataSchema);
    dataSchema.getFields().forEach(f -> data.addValue(row.getValue(f.getName())));
    file.writer().write(AvroUtils.toGenericRecord(data.build(), avroSchema));
  }

  @FinishBundle
  public void finishBundle(FinishBundleContext context) {
    String bundle = UUID.randomUUID().toString().substring(0, 8);
    int n = 0;
    for (OpenFile file : files.values()) {
      try {
        file.writer().close();
        String name = file.folder() + "part-" + bundle + "-" + n++ + ".parquet";
        WrittenObject written = writer.writeDataFile(name, file.local(), file.partitionValues());
        S3Metrics.OBJECTS_WRITTEN.inc();
        S3Metrics.BYTES_WRITTEN.inc(written.size());
        S3Lineage.sink(writer.url(written));
        context.output(written, file.window().maxTimestamp(), file.window());
        Files.delete(file.local());
      } catch (IOException ex) {
        throw new UncheckedIOException("cannot finish Parquet file " + file.local(), ex);
      }
    }
    files = null;
    reported = S3Metrics.report(s3.stats(), reported);
  }

  @Teardown
  public void teardown() throws IOException {
    if (s3 != null) {
      s3.close();
    }
    if (localDir != null) {
      try (var left = Files.list(localDir)) {
        for (Path p : left.toList()) {
          Files.deleteIfExists(p);
        }
      }
      Files.deleteIfExists(localDir);
    }
  }
}
