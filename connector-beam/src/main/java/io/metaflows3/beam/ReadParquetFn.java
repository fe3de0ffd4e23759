package io.metaflows3.beam;

import io.metaflows3.core.api.ObjectRange;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.hadoop.ListedObjects;
import io.metaflows3.hadoop.MetaflowS3FileSystem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.parquet.HadoopReadOptions;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.avro.AvroReadSupport;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.filter2.predicate.FilterPredicate;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.api.InitContext;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.FileMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.io.api.RecordMaterializer;
import org.apache.parquet.schema.MessageType;

/**
 * Emits the records of the Parquet row groups a range owns (those whose midpoint it holds), as rows of the given
 * schema, one row group at a time: each row group's midpoint is claimed before its columns are fetched, so a
 * runner can split a range between row groups. A filter is Parquet's own: row groups
 * and pages it rules out are never fetched, and records are filtered as Parquet's reader filters them.
 * parquet-avro decodes only the columns the schema names, fetched through the connector-core file system
 * (vectored ranged reads, pinned to the listed version); {@link ParquetRecords} makes the rows.
 */
final class ReadParquetFn extends ReadSplitFn<Row> {
  private final S3Settings settings;
  private final Schema schema;
  private final FilterPredicate filter;
  private transient Configuration conf;

  /** {@code filter}: Parquet's predicate on file columns among the schema's (null: every row). */
  ReadParquetFn(S3Settings settings, Schema schema, FilterPredicate filter) {
    super(settings);
    this.settings = settings;
    this.schema = schema;
    this.filter = filter;
  }

  @Override
  void prepare() {
    conf = ParquetRecords.readConf(settings);
  }

  @Override
  boolean divisible() {
    return true;
  }

  @Override
  boolean read(S3 s3, ObjectRange range, Claim claim, Consumer<Row> emit) {
    if (range.size() == 0) {
      return true; // an empty object holds no rows (a read lists it, as FileIO would)
    }
    ListedObjects.remember(range.url(), new ListedObjects.Listed(range.size(), range.version(), 0L));
    FilterCompat.Filter rows = filter == null ? FilterCompat.NOOP : FilterCompat.get(filter);
    // With a filter, Parquet drops row groups by statistics and dictionaries, pages by column indexes.
    ParquetReadOptions options = HadoopReadOptions.builder(conf).withRecordFilter(rows).build();
    try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromStatus(new FileStatus(range.size(),
        false, 1, 0, 0, MetaflowS3FileSystem.pathOf(range.url())), conf), options)) {
      FileMetaData file = reader.getFooter().getFileMetaData();
      MessageType fileSchema = file.getSchema();
      // A projection at the Parquet level: an Avro one would turn INT96 into a fixed type the file does not have.
      MessageType projection = new MessageType(fileSchema.getName(), fileSchema.getFields().stream()
          .filter(t -> schema.getFieldNames().stream().anyMatch(n -> n.equalsIgnoreCase(t.getName()))).toList());
      AvroReadSupport<GenericRecord> support = new AvroReadSupport<>();
      Map<String, Set<String>> keyValues = file.getKeyValueMetaData().entrySet().stream()
          .collect(Collectors.toMap(Map.Entry::getKey, e -> Set.of(e.getValue())));
      ReadSupport.ReadContext context = new ReadSupport.ReadContext(projection,
          support.init(new InitContext(conf, keyValues, fileSchema)).getReadSupportMetadata());
      RecordMaterializer<GenericRecord> records = support.prepareForRead(conf, file.getKeyValueMetaData(),
          fileSchema, context);
      MessageColumnIO columns = new ColumnIOFactory(file.getCreatedBy()).getColumnIO(projection, fileSchema, true);
      ParquetRecords.RawColumns raw = ParquetRecords.RawColumns.of(fileSchema);
      reader.setRequestedSchema(projection);
      for (int i = 0; i < reader.getRowGroups().size(); i++) {
        BlockMetaData group = reader.getRowGroups().get(i);
        // A row group belongs to the range holding its midpoint, the position it is claimed at: one rule for
        // both, so however a range is split, each row group is read once.
        long midpoint = group.getStartingPos() + group.getCompressedSize() / 2;
        if (midpoint < range.start() || midpoint >= range.end()) {
          continue;
        }
        if (!claim.at(midpoint)) {
          return false;
        }
        if (group.getRowCount() == 0) {
          continue;
        }
        PageReadStore pages = reader.readFilteredRowGroup(i);
        if (pages == null) {
          continue; // the column indexes rule out every page
        }
        RecordReader<GenericRecord> groupRows = columns.getRecordReader(pages, records, rows);
        for (long r = 0; r < pages.getRowCount(); r++) {
          GenericRecord record = groupRows.read();
          if (record != null && !groupRows.shouldSkipCurrentRecord()) {
            emit.accept(ParquetRecords.toRow(record, schema, range.partitionValues(), raw));
          }
        }
      }
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read Parquet " + range.url(), e);
    }
  }
}
