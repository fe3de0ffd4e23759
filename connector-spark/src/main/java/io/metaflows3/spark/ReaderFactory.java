package io.metaflows3.spark;

import io.metaflows3.core.S3;
import io.metaflows3.core.S3Settings;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.types.StructType;

/** Shipped to executors: makes the reader of a split with the executor's own client. */
final class ReaderFactory implements PartitionReaderFactory {
  private static final long serialVersionUID = 1L;
  private final SourceOptions.Format format;
  private final S3Settings settings;
  private final StructType schema;
  private final PartitionColumns partitions;

  ReaderFactory(SourceOptions.Format format, S3Settings settings, StructType schema, PartitionColumns partitions) {
    this.format = format;
    this.settings = settings;
    this.schema = schema;
    this.partitions = partitions;
  }

  @Override
  public PartitionReader<InternalRow> createReader(InputPartition partition) {
    S3 s3 = ExecutorClients.get(settings);
    SplitPartition split = (SplitPartition) partition;
    return switch (format) {
      case BINARY -> new BinaryRowReader(s3, split.split(), schema, partitions);
      case TEXT -> new TextRowReader(s3, split.split(), schema, partitions);
      case PARQUET -> new ParquetRowReader(s3, split.split(), schema, partitions);
    };
  }
}
