package io.metaflows3.spark;

import io.metaflows3.core.SharedClients;
import io.metaflows3.core.table.TableWrite;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.write.DataWriter;
import org.apache.spark.sql.connector.write.DataWriterFactory;
import org.apache.spark.sql.types.StructType;

/** Shipped to executors: makes a task attempt's writer with the executor's own client. */
final class WriterFactory implements DataWriterFactory {
  private static final long serialVersionUID = 1L;
  private final TableWrite job;
  private final StructType schema;
  private final PartitionColumns partitions;
  private final ParquetTaskWriter.Encoding parquet;

  /** {@code parquet}: how Parquet is encoded; null for format binary. */
  WriterFactory(TableWrite job, StructType schema, PartitionColumns partitions, ParquetTaskWriter.Encoding parquet) {
    this.job = job;
    this.schema = schema;
    this.partitions = partitions;
    this.parquet = parquet;
  }

  @Override
  public DataWriter<InternalRow> createWriter(int partitionId, long taskId) {
    // Spark's task id differs for every attempt, speculative ones included: keys never collide.
    TaskWriter.Target target = new TaskWriter.Target(job, SharedClients.get(job.settings()), schema, partitions,
        String.format("part-%05d", partitionId), Long.toString(taskId));
    return parquet == null ? new BinaryTaskWriter(target) : new ParquetTaskWriter(target, parquet, partitionId);
  }
}
