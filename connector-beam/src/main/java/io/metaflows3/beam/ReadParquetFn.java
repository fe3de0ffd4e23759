package io.metaflows3.beam;

import io.metaflows3.core.ObjectRange;
import io.metaflows3.core.S3;
import io.metaflows3.core.S3Settings;
import io.metaflows3.hadoop.ListedObjects;
import io.metaflows3.hadoop.MetaflowS3FileSystem;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.parquet.avro.AvroReadSupport;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.api.InitContext;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.schema.MessageType;

/**
 * Emits the records of the Parquet row groups each range owns (those whose midpoint it holds), as rows of the
 * given schema: parquet-avro reads only the columns the schema names, through the connector-core file system
 * (exact ranged and vectored reads, pinned to the listed version); {@link ParquetRecords} makes the rows.
 */
final class ReadParquetFn extends ReadSplitFn<Row> {
  private final S3Settings settings;
  private final Schema schema;
  private transient Configuration conf;
  /** The projection and INT96 columns of the last file schema seen: the files of a table share one. */
  private transient MessageType projectedFrom;
  private transient MessageType projection;
  private transient ParquetRecords.RawColumns rawColumns;

  ReadParquetFn(S3Settings settings, Schema schema) {
    super(settings);
    this.settings = settings;
    this.schema = schema;
  }

  @Override
  public void setup() {
    super.setup();
    conf = ParquetRecords.readConf(settings);
  }

  @Override
  void read(S3 s3, ObjectRange range, OutputReceiver<Row> out) {
    ListedObjects.remember(range.url(), new ListedObjects.Listed(range.size(), range.etag(), 0L));
    try {
      InputFile file = HadoopInputFile.fromStatus(new FileStatus(range.size(), false, 1, 0, 0,
          MetaflowS3FileSystem.pathOf(range.url())), conf);
      if (projectedFrom != null) {
        try {
          emit(file, range, out);
          return;
        } catch (NothingEmitted e) {
          // Another file schema than the last file's: read this file's footer and project again.
        }
      }
      try (ParquetFileReader footer = ParquetFileReader.open(file)) {
        projection(footer.getFileMetaData().getSchema());
      }
      emit(file, range, out);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read Parquet " + range.url(), e);
    }
  }

  /** Emits the range's records with the current projection; fails with NothingEmitted before the first one. */
  private void emit(InputFile file, ObjectRange range, OutputReceiver<Row> out) throws IOException {
    boolean emitted = false;
    MessageType columns = projection;
    ParquetReader.Builder<GenericRecord> builder = new ParquetReader.Builder<GenericRecord>(file) {
      @Override
      protected ReadSupport<GenericRecord> getReadSupport() {
        return new AvroReadSupport<>() {
          @Override
          public ReadContext init(InitContext context) {
            return new ReadContext(columns, super.init(context).getReadSupportMetadata());
          }
        };
      }
    };
    try (ParquetReader<GenericRecord> records = builder.withConf(conf).withFileRange(range.start(), range.end())
        .build()) {
      for (GenericRecord r; (r = records.read()) != null; ) {
        out.output(ParquetRecords.toRow(r, schema, range.partitionValues(), rawColumns));
        emitted = true;
      }
    } catch (RuntimeException e) {
      throw emitted ? e : new NothingEmitted(e);
    }
  }

  /** A read that failed before emitting anything, so it can be retried with this file's own schema. */
  private static final class NothingEmitted extends RuntimeException {
    NothingEmitted(RuntimeException cause) {
      super(cause);
    }
  }

  /**
   * Makes the Parquet schema that reads only the file columns the schema names, at the Parquet level (an Avro
   * projection would turn INT96 into a fixed type the file does not have); kept for the next files, which share
   * the schema (reading their footers first would cost each file a round trip).
   */
  private void projection(MessageType fileSchema) {
    if (!fileSchema.equals(projectedFrom)) {
      projection = new MessageType(fileSchema.getName(), fileSchema.getFields().stream()
          .filter(t -> schema.hasField(t.getName())).toList());
      rawColumns = ParquetRecords.RawColumns.of(fileSchema);
      projectedFrom = fileSchema;
    }
  }
}
