package io.metaflows3.spark;

import io.metaflows3.core.SharedClients;
import io.metaflows3.core.S3Settings;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.metric.CustomTaskMetric;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.execution.datasources.v2.FilePartitionReaderFactory;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * Spark's own reader factory of a file format (Parquet, text), shipped to executors and handed our planned
 * partitions: the listing's view of each object is told to the executor's file system first, and each task
 * reports its own S3 metrics.
 */
final class SparkFileReaders implements PartitionReaderFactory {
  private static final long serialVersionUID = 1L;
  private final FilePartitionReaderFactory spark;
  private final S3Settings settings;

  SparkFileReaders(FilePartitionReaderFactory spark, S3Settings settings) {
    this.spark = spark;
    this.settings = settings;
  }

  @Override
  public boolean supportColumnarReads(InputPartition partition) {
    return spark.supportColumnarReads(((FilesPartition) partition).files());
  }

  @Override
  public PartitionReader<InternalRow> createReader(InputPartition partition) {
    FilesPartition files = (FilesPartition) partition;
    files.rememberListing();
    return new Metered<>(spark.createReader(files.files()), metrics(files));
  }

  @Override
  public PartitionReader<ColumnarBatch> createColumnarReader(InputPartition partition) {
    FilesPartition files = (FilesPartition) partition;
    files.rememberListing();
    return new Metered<>(spark.createColumnarReader(files.files()), metrics(files));
  }

  private S3TaskMetrics.Reads metrics(FilesPartition files) {
    return new S3TaskMetrics.Reads(SharedClients.get(settings).stats(), files.objects().size());
  }

  /** A reader that also reports its task's S3 metrics. */
  private record Metered<T>(PartitionReader<T> reader, S3TaskMetrics.Reads metrics) implements PartitionReader<T> {
    @Override
    public boolean next() throws java.io.IOException {
      return reader.next();
    }

    @Override
    public T get() {
      return reader.get();
    }

    @Override
    public CustomTaskMetric[] currentMetricsValues() {
      return metrics.values();
    }

    @Override
    public void close() throws java.io.IOException {
      reader.close();
    }
  }
}
