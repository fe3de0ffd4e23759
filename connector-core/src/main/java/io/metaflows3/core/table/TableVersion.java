package io.metaflows3.core.table;

import io.metaflows3.core.MetaflowS3Exception;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One version of a table's commit log: which write made it, how (adopt, append, overwrite, overwrite of the
 * partitions it writes), the objects it adds (key relative to the table, size) and the keys it removes.
 * Stored as text: a header, then one tab-separated line per fact; '%', tab and line breaks in keys are
 * escaped as {@code %XX}, so any S3 key fits on one line.
 */
public record TableVersion(long number, String writeId, String operation, Map<String, Long> adds,
    List<String> removes) {
  static final String HEADER = "# metaflow-s3-connectors table log v1";

  public TableVersion {
    adds = new LinkedHashMap<>(adds);
    removes = List.copyOf(removes);
  }

  String render() {
    StringBuilder b = new StringBuilder(HEADER).append('\n');
    b.append("write\t").append(writeId).append('\n');
    b.append("operation\t").append(operation).append('\n');
    adds.forEach((key, size) -> b.append("add\t").append(size).append('\t').append(escape(key)).append('\n'));
    removes.forEach(key -> b.append("remove\t").append(escape(key)).append('\n'));
    return b.toString();
  }

  static TableVersion parse(long number, String text, String url) {
    String[] lines = text.split("\n");
    if (lines.length < 3 || !lines[0].equals(HEADER)) {
      throw new MetaflowS3Exception("not a table log version (bad header)", url);
    }
    String writeId = null;
    String operation = null;
    Map<String, Long> adds = new LinkedHashMap<>();
    List<String> removes = new ArrayList<>();
    for (int i = 1; i < lines.length; i++) {
      String[] f = lines[i].split("\t", -1);
      try {
        switch (f[0]) {
          case "write" -> writeId = f[1];
          case "operation" -> operation = f[1];
          case "add" -> adds.put(unescape(f[2]), Long.parseLong(f[1]));
          case "remove" -> removes.add(unescape(f[1]));
          default -> throw new MetaflowS3Exception("unknown table log line " + (i + 1) + ": " + f[0], url);
        }
      } catch (ArrayIndexOutOfBoundsException | NumberFormatException e) {
        throw new MetaflowS3Exception("malformed table log line " + (i + 1), url, e);
      }
    }
    if (writeId == null || operation == null) {
      throw new MetaflowS3Exception("table log version without write id or operation", url);
    }
    return new TableVersion(number, writeId, operation, adds, removes);
  }

  static String escape(String key) {
    return key.replace("%", "%25").replace("\t", "%09").replace("\n", "%0A").replace("\r", "%0D");
  }

  static String unescape(String key) {
    return key.replace("%0D", "\r").replace("%0A", "\n").replace("%09", "\t").replace("%25", "%");
  }
}
