package io.metaflows3.beam;

import java.util.Map;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

/**
 * Converts between Parquet records and Beam rows: on reads each field comes from the file's column of that
 * name, else from the object's hive-style partition ({@code country=US/}), else is null; on writes each
 * field becomes an optional column. Supports boolean, int32, int64, float, double, string and bytes fields.
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

  /** The Parquet schema rows of {@code schema} are written with (every column optional). */
  static MessageType parquetSchema(Schema schema) {
    checkSupported(schema);
    Types.MessageTypeBuilder b = Types.buildMessage();
    for (Schema.Field field : schema.getFields()) {
      b.addField(switch (field.getType().getTypeName()) {
        case BOOLEAN -> Types.optional(PrimitiveTypeName.BOOLEAN).named(field.getName());
        case INT32 -> Types.optional(PrimitiveTypeName.INT32).named(field.getName());
        case INT64 -> Types.optional(PrimitiveTypeName.INT64).named(field.getName());
        case FLOAT -> Types.optional(PrimitiveTypeName.FLOAT).named(field.getName());
        case DOUBLE -> Types.optional(PrimitiveTypeName.DOUBLE).named(field.getName());
        case STRING -> Types.optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType())
            .named(field.getName());
        default -> Types.optional(PrimitiveTypeName.BINARY).named(field.getName());
      });
    }
    return b.named("row");
  }

  /** Fills a Parquet record from {@code row}; null fields are left out. */
  static Group toGroup(Row row, Group group) {
    for (Schema.Field field : row.getSchema().getFields()) {
      Object v = row.getValue(field.getName());
      if (v == null) {
        continue;
      }
      String name = field.getName();
      switch (field.getType().getTypeName()) {
        case BOOLEAN -> group.append(name, (Boolean) v);
        case INT32 -> group.append(name, (Integer) v);
        case INT64 -> group.append(name, (Long) v);
        case FLOAT -> group.append(name, (Float) v);
        case DOUBLE -> group.append(name, (Double) v);
        case STRING -> group.append(name, (String) v);
        default -> group.append(name, Binary.fromConstantByteArray((byte[]) v));
      }
    }
    return group;
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
