package io.metaflows3.spark;

import io.metaflows3.core.SharedClients;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.hadoop.TailPrefetch;
import java.util.List;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.metric.CustomTaskMetric;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.execution.datasources.v2.FilePartitionReaderFactory;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * Spark's own reader factory of a file format (Parquet, text), shipped to executors and handed our planned
 * partitions: the listing's view of each object is told to the executor's file system first, Parquet footers (and,
 * once they are in, the column chunks the reader will read) are fetched ahead, and each task reports its own S3
 * metrics.
 */
final class SparkFileReaders implements PartitionReaderFactory {
  private static final long serialVersionUID = 1L;
  private final FilePartitionReaderFactory spark;
  private final S3Settings settings;
  private final boolean footers;
  private final ParquetChunks chunks;

  /**
   * @param footers the format keeps a footer at each file's end (Parquet), worth fetching ahead
   * @param chunks the column chunks to fetch ahead once a footer is in; null: none
   */
  SparkFileReaders(FilePartitionReaderFactory spark, S3Settings settings, boolean footers, ParquetChunks chunks) {
    this.spark = spark;
    this.settings = settings;
    this.footers = footers;
    this.chunks = chunks;
  }

  @Override
  public boolean supportColumnarReads(InputPartition partition) {
    return spark.supportColumnarReads(((FilesPartition) partition).files());
  }

  @Override
  public PartitionReader<InternalRow> createReader(InputPartition partition) {
    FilesPartition files = (FilesPartition) partition;
    S3TaskMetrics.Reads metrics = new S3TaskMetrics.Reads(files.objects().size());
    return new Metered<>(spark.createReader(files.files()), metrics, prepare(files, false));
  }

  @Override
  public PartitionReader<ColumnarBatch> createColumnarReader(InputPartition partition) {
    FilesPartition files = (FilesPartition) partition;
    S3TaskMetrics.Reads metrics = new S3TaskMetrics.Reads(files.objects().size());
    return new Metered<>(spark.createColumnarReader(files.files()), metrics, prepare(files, true));
  }

  /** Tells the file system what the listing saw; for Parquet, starts fetching the task's footers and chunks. */
  private TailPrefetch prepare(FilesPartition files, boolean vectorized) {
    files.rememberListing();
    List<TailPrefetch.Target> targets = footers ? files.objects().stream()
        .map(o -> new TailPrefetch.Target(o.url(), o.size(), o.version())).toList() : List.of();
    return chunks == null ? TailPrefetch.start(SharedClients.get(settings), targets)
        : TailPrefetch.start(SharedClients.get(settings), targets, chunks.forTask(files.files(), vectorized));
  }

  /** A reader that also reports its task's S3 metrics. */
  private record Metered<T>(PartitionReader<T> reader, S3TaskMetrics.Reads metrics, TailPrefetch tails)
      implements PartitionReader<T> {
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
      try (metrics) {
        tails.close();
        reader.close();
      }
    }
  }
}
