package io.metaflows3.core.table;

import io.metaflows3.core.metaflow.MetaflowS3Exception;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A table's state as of one version, stored beside the versions so that a reader new to the table reads the
 * newest checkpoint and the versions after it instead of every version since the first. Stored as
 * {@link LogText}.
 */
final class TableCheckpoint {
  static final String HEADER = "# metaflow-s3-connectors table checkpoint v1";

  private TableCheckpoint() {}

  /** The snapshot stored at {@code url} for version {@code number} of the table at {@code root}. */
  static TableSnapshot parse(String root, long number, String text, String url) {
    List<Long> version = new ArrayList<>();
    Map<String, Long> live = new TreeMap<>();
    Map<String, Long> writes = new HashMap<>();
    Set<String> superseded = new HashSet<>();
    LogText.read(text, HEADER, "table log checkpoint", url, f -> {
      switch (f[0]) {
        case "version" -> version.add(Long.parseLong(f[1]));
        case "live" -> live.put(LogText.unescape(f[2]), Long.parseLong(f[1]));
        case "write" -> writes.put(LogText.unescape(f[2]), Long.parseLong(f[1]));
        case "superseded" -> superseded.add(LogText.unescape(f[1]));
        default -> {
          return false;
        }
      }
      return true;
    });
    if (!version.equals(List.of(number))) {
      throw new MetaflowS3Exception("table checkpoint is not of the version its name says (" + number + ")", url);
    }
    return new TableSnapshot(root, number, live, writes, superseded);
  }
}
