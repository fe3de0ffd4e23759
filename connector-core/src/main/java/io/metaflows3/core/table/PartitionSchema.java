package io.metaflows3.core.table;

import java.io.Serializable;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The partition columns of a table, in folder order, with their types: inferred from every partition folder
 * as Spark infers them (each value typed, then widened per column), or given. Every file must name the same
 * columns, as Spark requires.
 */
public record PartitionSchema(Map<String, PartitionType> types) implements Serializable {
  public static final PartitionSchema NONE = new PartitionSchema(Map.of());

  public PartitionSchema {
    types = new LinkedHashMap<>(types);
  }

  /**
   * Infers the schema of files with these raw partition values (from {@link PartitionPaths#rawValues}).
   *
   * @throws IllegalArgumentException when files name different partition columns
   */
  public static PartitionSchema infer(Collection<Map<String, String>> filesRawValues) {
    Map<String, PartitionType> types = null;
    List<String> firstColumns = null;
    for (Map<String, String> raw : filesRawValues) {
      List<String> columns = new ArrayList<>(raw.keySet());
      if (types == null) {
        types = new LinkedHashMap<>();
        firstColumns = columns;
      } else if (!columns.equals(firstColumns)) {
        throw new IllegalArgumentException("conflicting partition columns: " + firstColumns + " and " + columns
            + " (every file of a table must lie in folders of the same partition columns)");
      }
      for (Map.Entry<String, String> e : raw.entrySet()) {
        PartitionType t = PartitionType.infer(e.getValue());
        types.merge(e.getKey(), t, PartitionType::widen);
      }
    }
    return types == null ? NONE : new PartitionSchema(types);
  }

  public List<String> columns() {
    return List.copyOf(types.keySet());
  }

  public boolean isEmpty() {
    return types.isEmpty();
  }

  /**
   * The typed values of raw folder values: each column of this schema as its type; a column this schema does
   * not know (while listing, before all folders were seen) as its own value's inferred type.
   */
  public Map<String, Object> typed(Map<String, String> raw, ZoneId zone) {
    Map<String, Object> values = new LinkedHashMap<>();
    raw.forEach((column, value) -> {
      PartitionType t = types.containsKey(column) ? types.get(column) : PartitionType.infer(value);
      values.put(column, t.parse(value, zone));
    });
    return values;
  }
}
