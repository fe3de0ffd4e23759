package io.metaflows3.core.table;

import io.metaflows3.core.metaflow.MetaflowS3Exception;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One version of a table's commit log: which write made it, how (adopt, append, overwrite, overwrite of the
 * partitions it writes), the objects it adds (key relative to the table, size) and the keys it removes.
 * Stored as {@link LogText}.
 */
public record TableVersion(long number, String writeId, String operation, Map<String, Long> adds,
    List<String> removes) {
  static final String HEADER = "# metaflow-s3-connectors table log v1";

  public TableVersion {
    adds = new LinkedHashMap<>(adds);
    removes = List.copyOf(removes);
  }

  static TableVersion parse(long number, String text, String url) {
    Map<String, String> named = new HashMap<>();
    Map<String, Long> adds = new LinkedHashMap<>();
    List<String> removes = new ArrayList<>();
    LogText.read(text, HEADER, "table log version", url, f -> {
      switch (f[0]) {
        case "write", "operation" -> named.put(f[0], f[1]);
        case "add" -> adds.put(LogText.unescape(f[2]), Long.parseLong(f[1]));
        case "remove" -> removes.add(LogText.unescape(f[1]));
        default -> {
          return false;
        }
      }
      return true;
    });
    if (!named.containsKey("write") || !named.containsKey("operation")) {
      throw new MetaflowS3Exception("table log version without write id or operation", url);
    }
    return new TableVersion(number, named.get("write"), named.get("operation"), adds, removes);
  }
}
