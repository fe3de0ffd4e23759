package io.metaflows3.core.table;

import io.delta.kernel.Snapshot;
import io.delta.kernel.types.ArrayType;
import io.delta.kernel.types.DataType;
import io.delta.kernel.types.FieldMetadata;
import io.delta.kernel.types.MapType;
import io.delta.kernel.types.StructField;
import io.delta.kernel.types.StructType;
import io.metaflows3.core.metaflow.MetaflowS3Exception;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The names a Delta table's files give its columns. Without column mapping they are the schema's names; with
 * Delta's column mapping ({@code delta.columnMapping.mode}) each column has a physical name of its own, which
 * this library's readers and writers (Spark's and parquet-avro's, by name) honour only when it equals the
 * column's name: as Delta makes it for the columns of a table whose mapping is turned on after its creation, and
 * Kernel for a column added to such a table. That is how this library adds columns ({@code mergeSchema}): Kernel
 * changes a schema only with column mapping on. Other mapped names (Delta's own {@code col-<uuid>}, renamed
 * columns, {@code id} mode) are refused, naming the feature: never a wrong answer.
 */
final class PhysicalNames {
  private static final String PREFIX = "delta.columnMapping.";
  static final String MODE = PREFIX + "mode";
  private static final String MAX_ID = PREFIX + "maxColumnId";
  private static final String PHYSICAL_NAME = PREFIX + "physicalName";
  private static final String ID = PREFIX + "id";

  private PhysicalNames() {}

  /** The table's column mapping mode, lower case: none, name or id. */
  static String mode(Snapshot snapshot) {
    return snapshot.getTableProperties().getOrDefault(MODE, "none").toLowerCase(Locale.ROOT);
  }

  /** Refuses a table whose files name a column otherwise than its schema does. */
  static void refuseMapped(Snapshot snapshot, String table) {
    String mode = mode(snapshot);
    if (mode.equals("none")) {
      return;
    }
    List<String> mapped = new ArrayList<>();
    if (mode.equals("name")) {
      collectMapped(snapshot.getSchema(), "", mapped);
    }
    if (!mode.equals("name") || !mapped.isEmpty()) {
      throw new MetaflowS3Exception("the Delta table uses " + MODE + "=" + mode + (mapped.isEmpty() ? ""
          : " with columns stored under other names (" + String.join(", ", mapped) + ")") + ", which this library "
          + "neither reads nor writes; use Delta's own reader and writer", table);
    }
  }

  /**
   * Whether columns can be added to the table by name: its mapping is off (Kernel turns it on, keeping each
   * column's name as its physical name) or stores every column by its name and none was ever dropped (a column
   * added under a dropped one's name would read the dropped column's values from older files).
   */
  static void refuseUnlessAddable(Snapshot snapshot, String table) {
    if (mode(snapshot).equals("none")) {
      return;
    }
    refuseMapped(snapshot, table);
    List<Long> ids = new ArrayList<>();
    collectIds(snapshot.getSchema(), ids);
    long max = Long.parseLong(snapshot.getTableProperties().getOrDefault(MAX_ID, "0"));
    if (ids.size() != max || ids.stream().distinct().count() != max || ids.stream().anyMatch(i -> i < 1 || i > max)) {
      throw new MetaflowS3Exception("columns were dropped from the Delta table (column mapping ids up to " + max
          + ", the schema has " + ids.size() + "): this library adds no column to it, since one named as a dropped "
          + "column would read that column's values from older files; add it with Delta's own writer", table);
    }
  }

  /** A schema as readers show it: without column mapping's metadata (ids, physical names), as Delta's reader. */
  static StructType withoutMapping(StructType schema) {
    StructType shown = new StructType();
    for (StructField f : schema.fields()) {
      FieldMetadata.Builder meta = FieldMetadata.builder().fromMetadata(f.getMetadata());
      f.getMetadata().getEntries().keySet().stream().filter(k -> k.startsWith(PREFIX)).forEach(meta::remove);
      shown = shown.add(new StructField(f.getName(), withoutMapping(f.getDataType()), f.isNullable(), meta.build()));
    }
    return shown;
  }

  private static DataType withoutMapping(DataType type) {
    if (type instanceof StructType struct) {
      return withoutMapping(struct);
    }
    if (type instanceof ArrayType array) {
      return new ArrayType(withoutMapping(array.getElementType()), array.containsNull());
    }
    if (type instanceof MapType map) {
      return new MapType(withoutMapping(map.getKeyType()), withoutMapping(map.getValueType()),
          map.isValueContainsNull());
    }
    return type;
  }

  private static void collectMapped(DataType type, String path, List<String> mapped) {
    for (StructField f : fields(type)) {
      FieldMetadata meta = f.getMetadata();
      String name = path + f.getName();
      if (meta.contains(PHYSICAL_NAME) && !f.getName().equals(meta.getString(PHYSICAL_NAME))) {
        mapped.add(name + " as " + meta.getString(PHYSICAL_NAME));
      }
      collectMapped(f.getDataType(), name + ".", mapped);
    }
  }

  private static void collectIds(DataType type, List<Long> ids) {
    for (StructField f : fields(type)) {
      if (f.getMetadata().contains(ID)) {
        ids.add(f.getMetadata().getLong(ID));
      }
      collectIds(f.getDataType(), ids);
    }
  }

  /** The fields a type holds at its first level of structs (through arrays and maps). */
  private static List<StructField> fields(DataType type) {
    if (type instanceof StructType struct) {
      return struct.fields();
    }
    if (type instanceof ArrayType array) {
      return fields(array.getElementType());
    }
    if (type instanceof MapType map) {
      List<StructField> both = new ArrayList<>(fields(map.getKeyType()));
      both.addAll(fields(map.getValueType()));
      return both;
    }
    return List.of();
  }
}
