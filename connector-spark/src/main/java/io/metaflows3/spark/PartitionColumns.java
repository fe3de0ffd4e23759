package io.metaflows3.spark;

import io.metaflows3.core.ObjectRange;
import java.io.Serializable;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Hive-style partition columns ({@code country=US/}) of a table: their names in order of appearance and types
 * inferred from the values as Spark's file sources do (int, long, double, date, else string).
 */
final class PartitionColumns implements Serializable {
  private static final long serialVersionUID = 1L;
  private final StructType schema;

  private PartitionColumns(StructType schema) {
    this.schema = schema;
  }

  static PartitionColumns infer(List<ObjectRange> objects) {
    Map<String, List<String>> values = new LinkedHashMap<>();
    for (ObjectRange o : objects) {
      o.partitionValues().forEach((k, v) -> values.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
    }
    List<StructField> fields = new ArrayList<>();
    values.forEach((name, vs) -> fields.add(DataTypes.createStructField(name, typeOf(vs), true)));
    return new PartitionColumns(DataTypes.createStructType(fields));
  }

  static PartitionColumns of(StructType schema) {
    return new PartitionColumns(schema);
  }

  StructType schema() {
    return schema;
  }

  boolean contains(String name) {
    return schema.getFieldIndex(name).isDefined();
  }

  /** The value of partition column {@code name} for an object, converted to Spark's internal type. */
  Object value(String name, Map<String, String> partitionValues) {
    String raw = partitionValues.get(name);
    if (raw == null || raw.equals("__HIVE_DEFAULT_PARTITION__")) {
      return null;
    }
    DataType type = schema.apply(name).dataType();
    if (type == DataTypes.IntegerType) {
      return Integer.valueOf(raw);
    } else if (type == DataTypes.LongType) {
      return Long.valueOf(raw);
    } else if (type == DataTypes.DoubleType) {
      return Double.valueOf(raw);
    } else if (type == DataTypes.DateType) {
      return (int) LocalDate.parse(raw).toEpochDay();
    }
    return UTF8String.fromString(raw);
  }

  private static DataType typeOf(List<String> values) {
    if (values.stream().allMatch(v -> parses(() -> Integer.parseInt(v)))) {
      return DataTypes.IntegerType;
    }
    if (values.stream().allMatch(v -> parses(() -> Long.parseLong(v)))) {
      return DataTypes.LongType;
    }
    if (values.stream().allMatch(v -> parses(() -> Double.parseDouble(v)))) {
      return DataTypes.DoubleType;
    }
    if (values.stream().allMatch(v -> parses(() -> LocalDate.parse(v)))) {
      return DataTypes.DateType;
    }
    return DataTypes.StringType;
  }

  private static boolean parses(Runnable parse) {
    try {
      parse.run();
      return true;
    } catch (NumberFormatException | DateTimeParseException e) {
      return false;
    }
  }
}
