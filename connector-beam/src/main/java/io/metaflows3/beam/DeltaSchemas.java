package io.metaflows3.beam;

import io.delta.kernel.types.ArrayType;
import io.delta.kernel.types.BinaryType;
import io.delta.kernel.types.BooleanType;
import io.delta.kernel.types.ByteType;
import io.delta.kernel.types.DataType;
import io.delta.kernel.types.DateType;
import io.delta.kernel.types.DecimalType;
import io.delta.kernel.types.DoubleType;
import io.delta.kernel.types.FloatType;
import io.delta.kernel.types.IntegerType;
import io.delta.kernel.types.LongType;
import io.delta.kernel.types.MapType;
import io.delta.kernel.types.StringType;
import io.delta.kernel.types.ShortType;
import io.delta.kernel.types.StructField;
import io.delta.kernel.types.StructType;
import io.delta.kernel.types.TimestampNTZType;
import io.delta.kernel.types.TimestampType;
import io.metaflows3.core.table.TableLayout;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.logicaltypes.FixedPrecisionNumeric;
import org.apache.beam.sdk.schemas.logicaltypes.SqlTypes;

/**
 * Beam's schemas and Delta's. The Delta schema of rows written by {@link WriteParquet}: each Beam field as the
 * type its Parquet column has once {@link org.apache.beam.sdk.extensions.avro.schemas.utils.AvroUtils} and
 * parquet-avro have stored it (small integers as Avro ints, so Delta's {@code integer}), the type every Delta
 * reader then reads the column as; a type with no such column is refused, named. And the Beam types of a Delta
 * table's partition columns, which live in the log, not in the files. No library maps Beam's schemas to Delta's.
 */
final class DeltaSchemas {
  private DeltaSchemas() {}

  static TableLayout layout(Schema schema, List<String> partitionColumns) {
    return new TableLayout(struct(schema).toJson(), partitionColumns);
  }

  /**
   * The Beam types of a table's partition columns, by name, as Beam's Avro mapping gives the same types in a
   * file (small integers as INT32, timestamps as DATETIME); a type no partition value can have is refused.
   */
  static Map<String, Schema.FieldType> partitionTypes(TableLayout layout) {
    Map<String, Schema.FieldType> types = new LinkedHashMap<>();
    for (String column : layout.partitionColumns()) {
      StructField field = layout.schema().fields().stream().filter(f -> f.getName().equalsIgnoreCase(column))
          .findFirst().orElseThrow();
      types.put(field.getName(), beamType(field.getName(), field.getDataType()));
    }
    return types;
  }

  /** The Beam type of a column of Delta's primitive {@code type}, as Beam's Avro mapping types it in a file. */
  static Schema.FieldType beamType(String column, DataType type) {
    if (type instanceof ByteType || type instanceof ShortType || type instanceof IntegerType) {
      return Schema.FieldType.INT32;
    } else if (type instanceof LongType) {
      return Schema.FieldType.INT64;
    } else if (type instanceof FloatType) {
      return Schema.FieldType.FLOAT;
    } else if (type instanceof DoubleType) {
      return Schema.FieldType.DOUBLE;
    } else if (type instanceof DecimalType d) {
      return Schema.FieldType.logicalType(FixedPrecisionNumeric.of(d.getPrecision(), d.getScale()));
    } else if (type instanceof StringType) {
      return Schema.FieldType.STRING;
    } else if (type instanceof BooleanType) {
      return Schema.FieldType.BOOLEAN;
    } else if (type instanceof DateType) {
      return Schema.FieldType.logicalType(SqlTypes.DATE);
    } else if (type instanceof TimestampType || type instanceof TimestampNTZType) {
      return Schema.FieldType.DATETIME;
    }
    throw new IllegalArgumentException("column '" + column + "' has Delta type " + type
        + ", which this reader types only from a file's footer (give the schema: asParquet(schema))");
  }

  private static StructType struct(Schema schema) {
    StructType struct = new StructType();
    for (Schema.Field f : schema.getFields()) {
      struct = struct.add(f.getName(), type(f.getName(), f.getType()), f.getType().getNullable());
    }
    return struct;
  }

  private static DataType type(String field, Schema.FieldType type) {
    if (type.getTypeName().isLogicalType()) {
      if (type.getLogicalType() instanceof FixedPrecisionNumeric) {
        Schema.FieldType numeric = Schema.FieldType.logicalType(type.getLogicalType());
        var arguments = numeric.getLogicalType().getArgument();
        if (arguments instanceof org.apache.beam.sdk.values.Row row) {
          return new DecimalType(row.getInt32("precision"), row.getInt32("scale"));
        }
      }
      if (type.getLogicalType().getIdentifier().equals(SqlTypes.DATE.getIdentifier())) {
        return DateType.DATE;
      }
      throw unsupported(field, type);
    }
    return switch (type.getTypeName()) {
      case BYTE, INT16, INT32 -> IntegerType.INTEGER;
      case INT64 -> LongType.LONG;
      case FLOAT -> FloatType.FLOAT;
      case DOUBLE -> DoubleType.DOUBLE;
      case STRING -> StringType.STRING;
      case BOOLEAN -> BooleanType.BOOLEAN;
      case BYTES -> BinaryType.BINARY;
      case DATETIME -> TimestampType.TIMESTAMP;
      case ARRAY, ITERABLE -> new ArrayType(type(field, type.getCollectionElementType()),
          type.getCollectionElementType().getNullable());
      case MAP -> new MapType(type(field, type.getMapKeyType()), type(field, type.getMapValueType()),
          type.getMapValueType().getNullable());
      case ROW -> struct(type.getRowSchema());
      default -> throw unsupported(field, type);
    };
  }

  private static IllegalArgumentException unsupported(String field, Schema.FieldType type) {
    return new IllegalArgumentException("field '" + field + "' of type " + type + " has no Delta type this writer "
        + "stores (decimals need FixedPrecisionNumeric.of(p, s))");
  }
}
