package io.metaflows3.spark;

import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Maps flat Parquet schemas to Spark's and back, and values between Parquet groups and Spark rows: booleans,
 * int, long, float, double, string, binary, date and timestamp (micros or millis) columns. Other types are
 * refused with the column named, at plan time.
 */
final class ParquetSchemas {
  private ParquetSchemas() {}

  static StructType toSpark(MessageType parquet) {
    List<StructField> fields = new ArrayList<>();
    for (Type t : parquet.getFields()) {
      fields.add(DataTypes.createStructField(t.getName(), sparkType(t), !t.isRepetition(Type.Repetition.REQUIRED)));
    }
    return DataTypes.createStructType(fields);
  }

  private static DataType sparkType(Type t) {
    if (!t.isPrimitive() || t.isRepetition(Type.Repetition.REPEATED)) {
      throw unsupported(t.getName(), t.toString());
    }
    PrimitiveType p = t.asPrimitiveType();
    LogicalTypeAnnotation logical = p.getLogicalTypeAnnotation();
    return switch (p.getPrimitiveTypeName()) {
      case BOOLEAN -> DataTypes.BooleanType;
      case INT32 -> logical instanceof LogicalTypeAnnotation.DateLogicalTypeAnnotation ? DataTypes.DateType
          : logical == null || logical instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation
              ? DataTypes.IntegerType : throwUnsupported(t);
      case INT64 -> logical instanceof LogicalTypeAnnotation.TimestampLogicalTypeAnnotation ts
          && ts.getUnit() != LogicalTypeAnnotation.TimeUnit.NANOS ? DataTypes.TimestampType
          : logical == null || logical instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation
              ? DataTypes.LongType : throwUnsupported(t);
      case FLOAT -> DataTypes.FloatType;
      case DOUBLE -> DataTypes.DoubleType;
      case BINARY -> logical instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation
          || logical instanceof LogicalTypeAnnotation.EnumLogicalTypeAnnotation
          || logical instanceof LogicalTypeAnnotation.JsonLogicalTypeAnnotation ? DataTypes.StringType
          : logical == null ? DataTypes.BinaryType : throwUnsupported(t);
      default -> throwUnsupported(t);
    };
  }

  static MessageType toParquet(StructType spark) {
    Types.MessageTypeBuilder b = Types.buildMessage();
    for (StructField f : spark.fields()) {
      DataType d = f.dataType();
      Types.PrimitiveBuilder<PrimitiveType> p;
      if (d == DataTypes.BooleanType) {
        p = Types.optional(PrimitiveTypeName.BOOLEAN);
      } else if (d == DataTypes.IntegerType) {
        p = Types.optional(PrimitiveTypeName.INT32);
      } else if (d == DataTypes.LongType) {
        p = Types.optional(PrimitiveTypeName.INT64);
      } else if (d == DataTypes.FloatType) {
        p = Types.optional(PrimitiveTypeName.FLOAT);
      } else if (d == DataTypes.DoubleType) {
        p = Types.optional(PrimitiveTypeName.DOUBLE);
      } else if (d == DataTypes.StringType) {
        p = Types.optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType());
      } else if (d == DataTypes.BinaryType) {
        p = Types.optional(PrimitiveTypeName.BINARY);
      } else if (d == DataTypes.DateType) {
        p = Types.optional(PrimitiveTypeName.INT32).as(LogicalTypeAnnotation.dateType());
      } else if (d == DataTypes.TimestampType) {
        p = Types.optional(PrimitiveTypeName.INT64)
            .as(LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.MICROS));
      } else {
        throw unsupported(f.name(), d.simpleString());
      }
      b.addField(p.named(f.name()));
    }
    return b.named("spark_schema");
  }

  /** Spark's internal value of field {@code name} of {@code group}, or null when absent. */
  static Object read(Group group, String name, DataType type) {
    int i = group.getType().getFieldIndex(name);
    if (group.getFieldRepetitionCount(i) == 0) {
      return null;
    }
    if (type == DataTypes.BooleanType) {
      return group.getBoolean(i, 0);
    } else if (type == DataTypes.IntegerType || type == DataTypes.DateType) {
      return group.getInteger(i, 0);
    } else if (type == DataTypes.LongType) {
      return group.getLong(i, 0);
    } else if (type == DataTypes.TimestampType) {
      LogicalTypeAnnotation.TimestampLogicalTypeAnnotation ts = (LogicalTypeAnnotation.TimestampLogicalTypeAnnotation)
          group.getType().getType(i).getLogicalTypeAnnotation();
      long v = group.getLong(i, 0);
      return ts.getUnit() == LogicalTypeAnnotation.TimeUnit.MILLIS ? v * 1000 : v;
    } else if (type == DataTypes.FloatType) {
      return group.getFloat(i, 0);
    } else if (type == DataTypes.DoubleType) {
      return group.getDouble(i, 0);
    } else if (type == DataTypes.StringType) {
      return UTF8String.fromBytes(group.getBinary(i, 0).getBytes());
    }
    return group.getBinary(i, 0).getBytes();
  }

  /** Appends column {@code i} of {@code row} (of Spark type {@code type}) to {@code group} unless null. */
  static void write(Group group, String name, InternalRow row, int i, DataType type) {
    if (row.isNullAt(i)) {
      return;
    }
    if (type == DataTypes.BooleanType) {
      group.append(name, row.getBoolean(i));
    } else if (type == DataTypes.IntegerType || type == DataTypes.DateType) {
      group.append(name, row.getInt(i));
    } else if (type == DataTypes.LongType || type == DataTypes.TimestampType) {
      group.append(name, row.getLong(i));
    } else if (type == DataTypes.FloatType) {
      group.append(name, row.getFloat(i));
    } else if (type == DataTypes.DoubleType) {
      group.append(name, row.getDouble(i));
    } else if (type == DataTypes.StringType) {
      group.append(name, row.getUTF8String(i).toString());
    } else {
      group.append(name, org.apache.parquet.io.api.Binary.fromConstantByteArray(row.getBinary(i)));
    }
  }

  private static DataType throwUnsupported(Type t) {
    throw unsupported(t.getName(), t.toString());
  }

  private static IllegalArgumentException unsupported(String column, String type) {
    return new IllegalArgumentException("metaflow-s3 parquet: column '" + column + "' has type " + type
        + ", which is not supported (flat boolean/int/long/float/double/string/binary/date/timestamp columns are)");
  }
}
