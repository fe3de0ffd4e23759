package io.metaflows3.spark;

import io.metaflows3.core.table.TableWrite;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.write.DataWriter;
import org.apache.spark.sql.connector.write.DataWriterFactory;
import org.apache.spark.sql.types.StructType;

/** Shipped to executors: makes a task attempt's writer with the executor's own client. */
final class WriterFactory implements DataWriterFactory {
  private static final long serialVersionUID = 1L;
  private final TableWrite job;
  private final SourceOptions.Format format;
  private final StructType schema;
  private final PartitionColumns partitions;
  private final long rowGroupBytes;

  WriterFactory(TableWrite job, SourceOptions.Format format, StructType schema, PartitionColumns partitions,
      long rowGroupBytes) {
    this.job = job;
    this.format = format;
    this.schema = schema;
    this.partitions = partitions;
    this.rowGroupBytes = rowGroupBytes;
  }

  @Override
  public DataWriter<InternalRow> createWriter(int partitionId, long taskId) {
    // Spark's task id differs for every attempt, speculative ones included: keys never collide.
    TaskWriter.Target target = new TaskWriter.Target(job, ExecutorClients.get(job.settings()), schema, partitions,
        String.format("part-%05d", partitionId), Long.toString(taskId));
    return format == SourceOptions.Format.BINARY ? new BinaryTaskWriter(target)
        : new ParquetTaskWriter(target, rowGroupBytes);
  }
}
