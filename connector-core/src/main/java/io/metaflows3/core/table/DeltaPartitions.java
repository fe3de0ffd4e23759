package io.metaflows3.core.table;

import io.delta.kernel.internal.util.PartitionUtils;
import io.delta.kernel.types.ByteType;
import io.delta.kernel.types.DataType;
import io.delta.kernel.types.DateType;
import io.delta.kernel.types.DecimalType;
import io.delta.kernel.types.DoubleType;
import io.delta.kernel.types.FloatType;
import io.delta.kernel.types.IntegerType;
import io.delta.kernel.types.LongType;
import io.delta.kernel.types.ShortType;
import io.delta.kernel.types.StringType;
import io.delta.kernel.types.StructField;
import io.delta.kernel.types.TimestampType;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Delta table's partition values, from its log, in the form this library's readers take from folder names
 * (escaped as Spark escapes them, null as the default partition), so both engines type them as they type a
 * folder's: timestamps, which Delta may state as UTC instants, become local times of the reader's zone.
 */
final class DeltaPartitions {
  private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");
  /** The partition columns, in the table's order, with their types. */
  private final Map<String, DataType> columns = new LinkedHashMap<>();
  private final ZoneId zone;

  /** The partitions of a table of {@code layout} read in {@code zone}. */
  DeltaPartitions(TableLayout layout, ZoneId zone) {
    this.zone = zone;
    List<StructField> fields = layout.schema().fields();
    for (String column : layout.partitionColumns()) {
      columns.put(column, fields.stream().filter(f -> f.getName().equalsIgnoreCase(column)).findFirst()
          .orElseThrow(() -> new IllegalStateException("partition column " + column + " is not in the schema"))
          .getDataType());
    }
  }

  /** The raw values of a data file's partition columns, in the table's order. */
  Map<String, String> rawValues(Map<String, String> logValues) {
    Map<String, String> raw = new LinkedHashMap<>();
    for (Map.Entry<String, DataType> c : columns.entrySet()) {
      String column = c.getKey();
      String value = valueOf(logValues, column);
      if (value == null || value.isEmpty()) {
        raw.put(column, PartitionPaths.DEFAULT_PARTITION_NAME);
      } else if (c.getValue() instanceof TimestampType && value.indexOf('T') >= 0) {
        // An instant (ISO 8601, UTC) becomes a local time of the reader's zone; a value stated without one is
        // already a local time, read as Delta's readers read it, in the reader's zone.
        long micros = PartitionUtils.tryParseTimestamp(value);
        Instant instant = Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L),
            Math.floorMod(micros, 1_000_000L) * 1000L);
        raw.put(column, PartitionPaths.escape(LOCAL.format(LocalDateTime.ofInstant(instant, zone))));
      } else {
        raw.put(column, PartitionPaths.escape(value));
      }
    }
    return raw;
  }

  /**
   * A data file's partition values typed as readers type them, for the columns of types core compares (the
   * others left out, so a filter over them cannot decide).
   */
  Map<String, Object> typed(Map<String, String> logValues) {
    Map<String, PartitionType> types = new LinkedHashMap<>();
    columns.forEach((column, type) -> {
      PartitionType t = coreType(type);
      if (t != null) {
        types.put(column, t);
      }
    });
    Map<String, String> raw = rawValues(logValues);
    raw.keySet().retainAll(types.keySet());
    return new PartitionSchema(types).typed(raw, zone);
  }

  /** The partition columns' types for pruning, or null when one has a type pruning cannot compare. */
  PartitionSchema types() {
    Map<String, PartitionType> types = new LinkedHashMap<>();
    for (Map.Entry<String, DataType> c : columns.entrySet()) {
      PartitionType t = coreType(c.getValue());
      if (t == null) {
        return null;
      }
      types.put(c.getKey(), t);
    }
    return new PartitionSchema(types);
  }

  private static PartitionType coreType(DataType type) {
    if (type instanceof IntegerType || type instanceof ShortType || type instanceof ByteType) {
      return PartitionType.INT;
    } else if (type instanceof LongType) {
      return PartitionType.LONG;
    } else if (type instanceof DoubleType || type instanceof FloatType) {
      return PartitionType.DOUBLE;
    } else if (type instanceof DateType) {
      return PartitionType.DATE;
    } else if (type instanceof TimestampType) {
      return PartitionType.TIMESTAMP;
    } else if (type instanceof StringType) {
      return PartitionType.STRING;
    } else if (type instanceof DecimalType d && d.getScale() == 0) {
      return PartitionType.decimal(d.getPrecision());
    }
    return null;
  }

  /** A value by column name, compared case-insensitively as Delta's log names may differ in case from the schema. */
  private static String valueOf(Map<String, String> values, String column) {
    for (Map.Entry<String, String> e : values.entrySet()) {
      if (e.getKey().equalsIgnoreCase(column)) {
        return e.getValue();
      }
    }
    return null;
  }
}
