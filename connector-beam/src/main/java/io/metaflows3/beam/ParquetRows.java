package io.metaflows3.beam;

import java.util.Map;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.schema.GroupType;

/**
 * Turns Parquet records into Beam rows of a given schema: each field comes from the file's column of that
 * name, else from the object's hive-style partition ({@code country=US/}), else is null. Supports boolean,
 * int32, int64, float, double, string and bytes fields.
 */
final class ParquetRows {
  private ParquetRows() {}

  static Row toRow(Group group, Schema schema, Map<String, String> partitionValues) {
    Row.Builder row = Row.withSchema(schema);
    GroupType type = group.getType();
    for (Schema.Field field : schema.getFields()) {
      Object value;
      if (type.containsField(field.getName())) {
        int i = type.getFieldIndex(field.getName());
        value = group.getFieldRepetitionCount(i) == 0 ? null : column(group, i, field);
      } else {
        String raw = partitionValues.get(field.getName());
        value = raw == null ? null : parse(raw, field);
      }
      if (value == null && !field.getType().getNullable()) {
        throw new IllegalArgumentException("field '" + field.getName() + "' is null (not in the file nor in the "
            + "partition) but the schema says it is not nullable");
      }
      row.addValue(value);
    }
    return row.build();
  }

  private static Object column(Group group, int i, Schema.Field field) {
    return switch (field.getType().getTypeName()) {
      case BOOLEAN -> group.getBoolean(i, 0);
      case INT32 -> group.getInteger(i, 0);
      case INT64 -> group.getLong(i, 0);
      case FLOAT -> group.getFloat(i, 0);
      case DOUBLE -> group.getDouble(i, 0);
      case STRING -> group.getString(i, 0);
      case BYTES -> group.getBinary(i, 0).getBytes();
      default -> throw unsupported(field);
    };
  }

  private static Object parse(String raw, Schema.Field field) {
    return switch (field.getType().getTypeName()) {
      case STRING -> raw;
      case INT32 -> Integer.valueOf(raw);
      case INT64 -> Long.valueOf(raw);
      case DOUBLE -> Double.valueOf(raw);
      case BOOLEAN -> Boolean.valueOf(raw);
      default -> throw unsupported(field);
    };
  }

  static void checkSupported(Schema schema) {
    for (Schema.Field field : schema.getFields()) {
      switch (field.getType().getTypeName()) {
        case BOOLEAN, INT32, INT64, FLOAT, DOUBLE, STRING, BYTES -> { }
        default -> throw unsupported(field);
      }
    }
  }

  private static IllegalArgumentException unsupported(Schema.Field field) {
    return new IllegalArgumentException("field '" + field.getName() + "' has type " + field.getType()
        + "; Parquet reads support boolean, int32, int64, float, double, string and bytes");
  }
}
