package io.metaflows3.spark;

import io.metaflows3.core.ObjectRange;
import io.metaflows3.core.ParquetRangeReader;
import io.metaflows3.core.ReadSplit;
import io.metaflows3.core.S3;
import java.util.Arrays;
import org.apache.parquet.example.data.Group;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** Rows of the Parquet row groups a range owns; only the selected columns' chunks are fetched. */
final class ParquetRowReader extends RowReader {
  private ParquetRangeReader file;

  ParquetRowReader(S3 s3, ReadSplit split, StructType schema, PartitionColumns partitions) {
    super(s3, split, schema, partitions);
  }

  @Override
  void open(ObjectRange range) {
    close();
    file = new ParquetRangeReader(s3, range, Arrays.asList(schema.fieldNames()));
    counts.objects++;
  }

  @Override
  boolean nextRow(Object[] values) {
    Group group = file.next();
    if (group == null) {
      return false;
    }
    StructField[] fields = schema.fields();
    for (int i = 0; i < fields.length; i++) {
      if (!partitions.contains(fields[i].name()) && file.projection().containsField(fields[i].name())) {
        values[i] = ParquetSchemas.read(group, fields[i].name(), fields[i].dataType());
      }
    }
    return true;
  }

  @Override
  public void close() {
    if (file != null) {
      file.close();
      file = null;
    }
  }
}
