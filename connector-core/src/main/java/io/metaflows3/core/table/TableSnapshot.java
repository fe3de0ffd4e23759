package io.metaflows3.core.table;

import io.metaflows3.core.metaflow.MetaflowS3Exception;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A table as of one version: the visible objects (key relative to the table, size), the writes committed, and
 * the keys versions removed (objects that must not exist any more; a commit killed before its clean-up leaves
 * some, which the next commit deletes; a checkpoint holds only those still there when it was stored).
 * {@code version} is -1 for a location without a log.
 */
public record TableSnapshot(String root, long version, Map<String, Long> live, Map<String, Long> writes,
    Set<String> superseded) {
  public TableSnapshot {
    live = Collections.unmodifiableMap(new TreeMap<>(live));
    writes = Map.copyOf(writes);
    superseded = Set.copyOf(superseded);
  }

  /** A table before its first version. */
  static TableSnapshot empty(String root) {
    return new TableSnapshot(root, -1, Map.of(), Map.of(), Set.of());
  }

  /** This snapshot with {@code later} applied in order: they must be the versions right after it. */
  TableSnapshot then(List<TableVersion> later) {
    Map<String, Long> live = new TreeMap<>(this.live);
    Map<String, Long> writes = new HashMap<>(this.writes);
    Set<String> superseded = new HashSet<>(this.superseded);
    long expected = version + 1;
    for (TableVersion v : later) {
      if (v.number() != expected++) {
        throw new MetaflowS3Exception("table log has a gap before version " + v.number(), root);
      }
      v.removes().forEach(live::remove);
      superseded.addAll(v.removes());
      live.putAll(v.adds());
      superseded.removeAll(v.adds().keySet());
      writes.put(v.writeId(), v.number());
    }
    return new TableSnapshot(root, expected - 1, live, writes, superseded);
  }

  public boolean exists() {
    return version >= 0;
  }
}
