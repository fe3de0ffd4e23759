package io.metaflows3.spark;

import io.metaflows3.core.S3;
import io.metaflows3.core.table.AttemptWriter;
import io.metaflows3.core.table.TableWrite;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.catalog.ExternalCatalogUtils;
import org.apache.spark.sql.catalyst.expressions.Cast;
import org.apache.spark.sql.catalyst.expressions.EvalMode;
import org.apache.spark.sql.catalyst.expressions.Literal;
import org.apache.spark.sql.connector.metric.CustomTaskMetric;
import org.apache.spark.sql.connector.write.DataWriter;
import org.apache.spark.sql.connector.write.WriterCommitMessage;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampType;
import org.apache.spark.sql.catalyst.util.DateTimeUtils;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Map;
import scala.Option;

/** What every task attempt's writer shares: its attempt writer, partition folders, commit and abort. */
abstract class TaskWriter implements DataWriter<InternalRow> {
  /** Where and as whom a task attempt writes. */
  record Target(TableWrite job, S3 s3, StructType schema, PartitionColumns partitions, String fileName,
      String attemptId) {}

  final Target target;
  final AttemptWriter writer;
  final S3TaskMetrics.Counts counts;

  TaskWriter(Target target) {
    this.target = target;
    this.writer = target.job().openAttempt(target.s3(), target.attemptId());
    this.counts = new S3TaskMetrics.Counts();
  }

  /**
   * The partition folder of a row, e.g. {@code country=US/}, exactly as Spark's file writers name it: each
   * value cast to text by Spark's {@code Cast} in the session time zone, escaped by Spark's
   * {@code ExternalCatalogUtils}; empty when the write is not partitioned.
   */
  String folderOf(InternalRow row) {
    StringBuilder folder = new StringBuilder();
    for (StructField f : target.partitions().schema().fields()) {
      folder.append(ExternalCatalogUtils.getPartitionPathString(f.name(), text(row, f))).append('/');
    }
    return folder.toString();
  }

  /**
   * A row's partition values as a Delta log states them: the folder's text of each value, but a timestamp as its
   * UTC instant (Delta's ISO 8601 form), so readers in any time zone read the same instant; null for null.
   */
  Map<String, String> partitionValuesOf(InternalRow row) {
    Map<String, String> values = new HashMap<>();
    for (StructField f : target.partitions().schema().fields()) {
      int i = target.schema().fieldIndex(f.name());
      values.put(f.name(), f.dataType() instanceof TimestampType && !row.isNullAt(i)
          ? DateTimeFormatter.ISO_INSTANT.format(DateTimeUtils.microsToInstant(row.getLong(i)))
          : text(row, f));
    }
    return values;
  }

  /** A partition value cast to text by Spark's {@code Cast} in the session time zone; null for null. */
  private String text(InternalRow row, StructField f) {
    int i = target.schema().fieldIndex(f.name());
    if (row.isNullAt(i)) {
      return null;
    }
    Cast cast = new Cast(new Literal(row.get(i, f.dataType()), f.dataType()), DataTypes.StringType,
        Option.apply(target.partitions().zone().getId()), EvalMode.fromSQLConf(SQLConf.get()));
    return cast.eval(null).toString();
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

  /** Ends the task's request counting on its thread; subclasses close what they hold, then call this. */
  @Override
  public void close() {
    counts.close();
  }
}
