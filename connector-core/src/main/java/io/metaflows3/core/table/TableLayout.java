package io.metaflows3.core.table;

import io.delta.kernel.internal.types.DataTypeJsonSerDe;
import io.delta.kernel.types.ArrayType;
import io.delta.kernel.types.DataType;
import io.delta.kernel.types.MapType;
import io.delta.kernel.types.StructField;
import io.delta.kernel.types.StructType;
import java.io.Serializable;
import java.util.List;
import java.util.Locale;

/**
 * What a Delta table holds: its schema, as Delta's log states it (the JSON Spark's {@code StructType.json()}
 * also writes: Delta's schema format is Spark's), and its partition columns, in order.
 */
public record TableLayout(String schemaJson, List<String> partitionColumns) implements Serializable {
  public TableLayout {
    partitionColumns = List.copyOf(partitionColumns);
    StructType schema = DataTypeJsonSerDe.deserializeStructType(schemaJson);
    for (String column : partitionColumns) {
      if (schema.fieldNames().stream().noneMatch(n -> n.equalsIgnoreCase(column))) {
        throw new IllegalArgumentException("partition column '" + column + "' is not in the schema "
            + schema.fieldNames());
      }
    }
  }

  /** The schema, parsed. */
  public StructType schema() {
    return DataTypeJsonSerDe.deserializeStructType(schemaJson);
  }

  /** The columns stored in the data files: all but the partition columns. */
  StructType dataSchema() {
    StructType data = new StructType();
    for (StructField f : schema().fields()) {
      if (!isPartitionColumn(f.getName())) {
        data = data.add(f);
      }
    }
    return data;
  }

  boolean isPartitionColumn(String name) {
    return partitionColumns.stream().anyMatch(c -> c.equalsIgnoreCase(name));
  }

  /**
   * Whether rows of this layout can be written into a table of {@code other}: the same columns (names compared
   * as Spark compares them, case-insensitively) of the same types, and the same partition columns. Nullability
   * may differ, as it does between a DataFrame and the table it is appended to.
   */
  boolean fits(TableLayout other) {
    return lower(partitionColumns).equals(lower(other.partitionColumns))
        && withoutNullability(schema()).equals(withoutNullability(other.schema()));
  }

  /**
   * The schema of a table ({@code tableSchema}, partitioned by {@code tablePartitions}) with the columns of this
   * layout it lacks added at its end, nullable: Delta's {@code mergeSchema}. The table's own fields stay as they
   * are, metadata (column mapping's ids and physical names) included. Empty when a column both have differs in
   * type (nested fields included: only top-level columns are added) or the partition columns differ.
   */
  java.util.Optional<StructType> mergedInto(StructType tableSchema, List<String> tablePartitions) {
    if (!lower(partitionColumns).equals(lower(tablePartitions))) {
      return java.util.Optional.empty();
    }
    StructType merged = tableSchema;
    // The data's own column mapping metadata (of a schema read elsewhere) is not the table's to take.
    for (StructField f : PhysicalNames.withoutMapping(schema()).fields()) {
      java.util.Optional<StructField> existing = tableSchema.fields().stream()
          .filter(t -> t.getName().equalsIgnoreCase(f.getName())).findFirst();
      if (existing.isEmpty()) {
        merged = merged.add(new StructField(f.getName(), f.getDataType(), true, f.getMetadata()));
      } else if (!withoutNullability(existing.get().getDataType()).equals(withoutNullability(f.getDataType()))) {
        return java.util.Optional.empty();
      }
    }
    return java.util.Optional.of(merged);
  }

  private static List<String> lower(List<String> names) {
    return names.stream().map(n -> n.toLowerCase(Locale.ROOT)).toList();
  }

  /** A type as text with no nullability at any depth, field names lower-cased. */
  private static String withoutNullability(DataType type) {
    if (type instanceof StructType struct) {
      StringBuilder text = new StringBuilder("struct<");
      for (StructField f : struct.fields()) {
        text.append(f.getName().toLowerCase(Locale.ROOT)).append(':').append(withoutNullability(f.getDataType()))
            .append(';');
      }
      return text.append('>').toString();
    }
    if (type instanceof ArrayType array) {
      return "array<" + withoutNullability(array.getElementType()) + ">";
    }
    if (type instanceof MapType map) {
      return "map<" + withoutNullability(map.getKeyType()) + "," + withoutNullability(map.getValueType()) + ">";
    }
    return type.toString();
  }
}
