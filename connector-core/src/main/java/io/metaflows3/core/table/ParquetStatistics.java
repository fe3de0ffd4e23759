package io.metaflows3.core.table;

import io.delta.kernel.defaults.internal.parquet.ParquetStatsReader;
import io.delta.kernel.expressions.Column;
import io.delta.kernel.types.StructField;
import io.delta.kernel.types.StructType;
import io.delta.kernel.types.TimestampNTZType;
import io.delta.kernel.types.TimestampType;
import io.metaflows3.core.metaflow.MetaflowS3Exception;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The statistics of a Parquet data file as Delta's add actions carry them (row count; min, max and null count of
 * the first 32 leaf columns, Delta's default {@code delta.dataSkippingNumIndexedCols}), read from its footer by
 * Kernel before the file is stored. A column whose statistics Kernel cannot decode goes without; the others
 * still let readers skip the file. Timestamp columns go without too: Kernel reads every timestamp statistic as
 * microseconds, and a file of milliseconds (Beam's Avro {@code timestamp-millis}, Spark's {@code TIMESTAMP_MILLIS})
 * would state bounds that make Delta readers skip files they need.
 */
final class ParquetStatistics {
  private static final int STATS_COLUMNS = 32;
  private static final Logger LOG = LoggerFactory.getLogger(ParquetStatistics.class);

  private ParquetStatistics() {}

  /** Delta's statistics JSON of {@code file}, a Parquet file of {@code data}'s columns. */
  static String of(Path file, StructType data) {
    List<Column> columns = new ArrayList<>();
    leafColumns(data, new String[0], columns);
    columns = columns.subList(0, Math.min(STATS_COLUMNS, columns.size()));
    try {
      return read(file, data, columns);
    } catch (MetaflowS3Exception e) {
      List<Column> readable = new ArrayList<>();
      for (Column c : columns) {
        try {
          read(file, data, List.of(c));
          readable.add(c);
        } catch (MetaflowS3Exception unreadable) {
          LOG.debug("no statistics for column {} of {}: {}", c, file, unreadable.getMessage());
        }
      }
      return read(file, data, readable);
    }
  }

  private static String read(Path file, StructType data, List<Column> columns) {
    try {
      return ParquetStatsReader.readDataFileStatistics(new LocalInputFile(file.toString(), file, () -> { }), data,
          columns).serializeAsJson(data);
    } catch (IOException | RuntimeException e) {
      throw new MetaflowS3Exception("cannot read the statistics of Parquet file " + file + " (" + e.getMessage()
          + ")", null, e);
    }
  }

  private static void leafColumns(StructType struct, String[] parent, List<Column> into) {
    for (StructField f : struct.fields()) {
      String[] path = Arrays.copyOf(parent, parent.length + 1);
      path[parent.length] = f.getName();
      if (f.getDataType() instanceof StructType nested) {
        leafColumns(nested, path, into);
      } else if (!(f.getDataType() instanceof TimestampType || f.getDataType() instanceof TimestampNTZType)) {
        into.add(new Column(path));
      }
    }
  }
}
