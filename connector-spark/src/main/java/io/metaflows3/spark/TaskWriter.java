package io.metaflows3.spark;

import io.metaflows3.core.AttemptWriter;
import io.metaflows3.core.S3;
import io.metaflows3.core.WriteJob;
import java.time.LocalDate;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.metric.CustomTaskMetric;
import org.apache.spark.sql.connector.write.DataWriter;
import org.apache.spark.sql.connector.write.WriterCommitMessage;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** What every task attempt's writer shares: its attempt writer, partition folders, commit and abort. */
abstract class TaskWriter implements DataWriter<InternalRow> {
  /** Where and as whom a task attempt writes. */
  record Target(WriteJob job, S3 s3, StructType schema, PartitionColumns partitions, String fileName,
      String attemptId) {}

  final Target target;
  final AttemptWriter writer;
  final S3TaskMetrics.Counts counts;

  TaskWriter(Target target) {
    this.target = target;
    this.writer = target.job().openAttempt(target.s3(), target.attemptId());
    this.counts = new S3TaskMetrics.Counts(target.s3().stats());
  }

  /** The hive-style folder of a row, e.g. {@code country=US/}; empty when the write is not partitioned. */
  String folderOf(InternalRow row) {
    StringBuilder folder = new StringBuilder();
    for (StructField f : target.partitions().schema().fields()) {
      int i = target.schema().fieldIndex(f.name());
      folder.append(f.name()).append('=').append(row.isNullAt(i) ? "__HIVE_DEFAULT_PARTITION__"
          : text(row.get(i, f.dataType()), f.dataType())).append('/');
    }
    return folder.toString();
  }

  private static String text(Object value, DataType type) {
    return type == DataTypes.DateType ? LocalDate.ofEpochDay((Integer) value).toString() : value.toString();
  }

  /** Uploads what the task produced; called by {@link #commit()} before the message is made. */
  abstract void flush();

  @Override
  public WriterCommitMessage commit() {
    flush();
    counts.objects += writer.written().size();
    counts.bytes += writer.written().stream().mapToLong(w -> w.size()).sum();
    return new MetaflowS3WriteBuilder.TaskObjects(writer.written());
  }

  @Override
  public void abort() {
    writer.abort();
  }

  @Override
  public CustomTaskMetric[] currentMetricsValues() {
    return counts.values();
  }
}
