package io.metaflows3.spark;

import io.metaflows3.core.LineReader;
import io.metaflows3.core.ObjectRange;
import io.metaflows3.core.ReadSplit;
import io.metaflows3.core.S3;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;

/** A row per text line ({@code value}); each range owns the lines that start in it. */
final class TextRowReader extends RowReader {
  private final int valueIndex;
  private LineReader lines;

  TextRowReader(S3 s3, ReadSplit split, StructType schema, PartitionColumns partitions) {
    super(s3, split, schema, partitions);
    this.valueIndex = schema.getFieldIndex("value").isDefined() ? schema.fieldIndex("value") : -1;
  }

  @Override
  void open(ObjectRange range) {
    lines = new LineReader(s3, range);
    counts.objects++;
  }

  @Override
  boolean nextRow(Object[] values) {
    String line = lines.next();
    if (line == null) {
      return false;
    }
    if (valueIndex >= 0) {
      values[valueIndex] = UTF8String.fromString(line);
    }
    return true;
  }
}
