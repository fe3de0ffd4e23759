package io.metaflows3.beam;

import com.google.auto.value.AutoValue;
import io.metaflows3.core.table.TableWrite;
import java.util.List;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.Row;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * Rows with a schema stored as Parquet under a write's location; see
 * {@link MetaflowS3IO.Write#asParquet(String...)}. Snappy-compressed and in row groups of Parquet's default
 * size (128 MiB) unless set otherwise.
 */
@AutoValue
public abstract class WriteParquet extends PTransform<PCollection<Row>, WriteResult> {
  abstract MetaflowS3IO.Write getWrite();

  abstract List<String> getPartitionColumns();

  abstract CompressionCodecName getCodec();

  abstract long getRowGroupSize();

  abstract boolean getMergeSchema();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setWrite(MetaflowS3IO.Write write);

    abstract Builder setPartitionColumns(List<String> columns);

    abstract Builder setCodec(CompressionCodecName codec);

    abstract Builder setRowGroupSize(long bytes);

    abstract Builder setMergeSchema(boolean merge);

    abstract WriteParquet build();
  }

  static WriteParquet of(MetaflowS3IO.Write write, List<String> partitionColumns) {
    return new AutoValue_WriteParquet.Builder().setWrite(write).setPartitionColumns(List.copyOf(partitionColumns))
        .setCodec(CompressionCodecName.SNAPPY).setRowGroupSize(ParquetWriter.DEFAULT_BLOCK_SIZE).setMergeSchema(false).build();
  }

  /** The compression of the files' pages (Parquet's codec names: SNAPPY, ZSTD, GZIP, UNCOMPRESSED, ...). */
  public WriteParquet withCodec(CompressionCodecName codec) {
    if (codec == null) {
      throw new IllegalArgumentException("codec must not be null");
    }
    return toBuilder().setCodec(codec).build();
  }

  /** The target size of a row group, in bytes: smaller ones let readers split a file more finely. */
  public WriteParquet withRowGroupSize(long bytes) {
    if (bytes <= 0) {
      throw new IllegalArgumentException("row group size must be positive, got " + bytes);
    }
    return toBuilder().setRowGroupSize(bytes).build();
  }

  /**
   * Adds the rows' columns the table lacks to its schema at the commit, as Delta's {@code mergeSchema} does
   * (columns both have must have the same types; a column the rows lack reads as null in them). Without it, rows
   * of another schema than the table's are refused when the write begins.
   */
  public WriteParquet withMergeSchema() {
    return toBuilder().setMergeSchema(true).build();
  }

  @Override
  public WriteResult expand(PCollection<Row> input) {
    Schema schema = input.getSchema();
    for (String column : getPartitionColumns()) {
      if (!schema.hasField(column)) {
        throw new IllegalArgumentException("partition column '" + column + "' is not in " + schema);
      }
    }
    MetaflowS3IO.Write write = getWrite();
    PCollectionView<TableWrite> job = write.begin(input, DeltaSchemas.layout(schema, getPartitionColumns()),
        getMergeSchema());
    return write.commit(job, input.apply("WriteParquet", ParDo.of(new WriteParquetFn(job,
        write.settings(input.getPipeline().getOptions()),
        getPartitionColumns(), getCodec(), getRowGroupSize())).withSideInputs(job)));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    getWrite().populateDisplayData(builder);
    builder.add(DisplayData.item("partitionColumns", String.join(", ", getPartitionColumns())))
        .add(DisplayData.item("codec", getCodec().name()))
        .add(DisplayData.item("rowGroupSize", getRowGroupSize()))
        .add(DisplayData.item("mergeSchema", getMergeSchema()));
  }
}
