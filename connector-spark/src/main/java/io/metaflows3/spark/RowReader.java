package io.metaflows3.spark;

import io.metaflows3.core.ObjectRange;
import io.metaflows3.core.ReadSplit;
import io.metaflows3.core.S3;
import java.util.Iterator;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.connector.metric.CustomTaskMetric;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Reads the ranges of one split in order, asking a subclass for each range's rows; fills the partition columns
 * of every row from the range's key. Rows have exactly the columns Spark asked for.
 */
abstract class RowReader implements PartitionReader<InternalRow> {
  final S3 s3;
  final StructType schema;
  final PartitionColumns partitions;
  final S3TaskMetrics.Counts counts;
  private final Iterator<ObjectRange> ranges;
  private ObjectRange range;
  private InternalRow row;

  RowReader(S3 s3, ReadSplit split, StructType schema, PartitionColumns partitions) {
    this.s3 = s3;
    this.schema = schema;
    this.partitions = partitions;
    this.ranges = split.ranges().iterator();
    this.counts = new S3TaskMetrics.Counts(s3.stats());
  }

  /** Starts reading a range. */
  abstract void open(ObjectRange range);

  /** Fills the data columns of the next row of the current range into {@code values}; false when done. */
  abstract boolean nextRow(Object[] values);

  @Override
  public boolean next() {
    while (true) {
      if (range != null) {
        Object[] values = new Object[schema.size()];
        if (nextRow(values)) {
          StructField[] fields = schema.fields();
          for (int i = 0; i < fields.length; i++) {
            if (partitions.contains(fields[i].name())) {
              values[i] = partitions.value(fields[i].name(), range.partitionValues());
            }
          }
          row = new GenericInternalRow(values);
          return true;
        }
        counts.bytes += range.length();
      }
      if (!ranges.hasNext()) {
        return false;
      }
      range = ranges.next();
      open(range);
    }
  }

  @Override
  public InternalRow get() {
    return row;
  }

  @Override
  public CustomTaskMetric[] currentMetricsValues() {
    return counts.values();
  }

  @Override
  public void close() {
    // The client is the executor's; nothing of this reader's outlives it.
  }
}
