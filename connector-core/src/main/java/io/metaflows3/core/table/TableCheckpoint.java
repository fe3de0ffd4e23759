package io.metaflows3.core.table;

import io.metaflows3.core.MetaflowS3Exception;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A table's state as of one version, stored beside the versions so that a reader new to the table reads the
 * newest checkpoint and the versions after it instead of every version since the first. Same text conventions
 * as {@link TableVersion}: a header, then one tab-separated line per fact, keys escaped.
 */
final class TableCheckpoint {
  static final String HEADER = "# metaflow-s3-connectors table checkpoint v1";

  private TableCheckpoint() {}

  static String render(TableSnapshot s) {
    StringBuilder b = new StringBuilder(HEADER).append('\n');
    b.append("version\t").append(s.version()).append('\n');
    s.live().forEach((key, size) -> b.append("live\t").append(size).append('\t')
        .append(TableVersion.escape(key)).append('\n'));
    s.writes().forEach((writeId, number) -> b.append("write\t").append(number).append('\t')
        .append(TableVersion.escape(writeId)).append('\n'));
    s.superseded().forEach(key -> b.append("superseded\t").append(TableVersion.escape(key)).append('\n'));
    return b.toString();
  }

  /** The snapshot stored at {@code url} for version {@code number} of the table at {@code root}. */
  static TableSnapshot parse(String root, long number, String text, String url) {
    String[] lines = text.split("\n");
    if (lines.length < 2 || !lines[0].equals(HEADER)) {
      throw new MetaflowS3Exception("not a table log checkpoint (bad header)", url);
    }
    Long version = null;
    Map<String, Long> live = new TreeMap<>();
    Map<String, Long> writes = new HashMap<>();
    Set<String> superseded = new HashSet<>();
    for (int i = 1; i < lines.length; i++) {
      String[] f = lines[i].split("\t", -1);
      try {
        switch (f[0]) {
          case "version" -> version = Long.parseLong(f[1]);
          case "live" -> live.put(TableVersion.unescape(f[2]), Long.parseLong(f[1]));
          case "write" -> writes.put(TableVersion.unescape(f[2]), Long.parseLong(f[1]));
          case "superseded" -> superseded.add(TableVersion.unescape(f[1]));
          default -> throw new MetaflowS3Exception("unknown table checkpoint line " + (i + 1) + ": " + f[0], url);
        }
      } catch (ArrayIndexOutOfBoundsException | NumberFormatException e) {
        throw new MetaflowS3Exception("malformed table checkpoint line " + (i + 1), url, e);
      }
    }
    if (version == null || version != number) {
      throw new MetaflowS3Exception("table checkpoint is not of the version its name says (" + number + ")", url);
    }
    return new TableSnapshot(root, version, live, writes, superseded);
  }
}
