package io.metaflows3.core.table;

import java.io.Serializable;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * An object a task attempt wrote: the name it was asked to write (relative to the table), the key it was
 * stored under (the name made unique to the attempt), and its size; for a data file of a Delta table also its
 * partition values (as Delta's log states them; a value may be null) and its statistics (Delta's JSON).
 */
public record WrittenObject(String name, String key, long size, Map<String, String> partitionValues, String stats)
    implements Serializable {
  public WrittenObject {
    partitionValues = Collections.unmodifiableMap(new HashMap<>(partitionValues));
  }

  /** An object that is not a table's data file. */
  public WrittenObject(String name, String key, long size) {
    this(name, key, size, Map.of(), null);
  }
}
