package io.metaflows3.core.table;

import io.metaflows3.core.MetaflowS3Exception;
import io.metaflows3.core.S3;
import io.metaflows3.core.S3Object;
import io.metaflows3.core.S3Url;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps tables apart: a table is never written inside another one (its files would be the outer table's
 * debris, and the outer table's overwrite or vacuum would delete them), nor around one. A table here is a
 * location with a log folder: Delta's {@code _delta_log/} or this library's earlier {@code _metaflow_s3_log/}.
 */
final class TableNesting {
  private static final List<String> LOG_FOLDERS = List.of(DeltaTable.LOG_FOLDER, TableLog.FOLDER);

  private TableNesting() {}

  /**
   * Refuses a write to {@code tableUrl} when a folder above it is a table, or, unless it is a table of the
   * write's own kind ({@code ownLog}: the log folder the write commits to), when a table lies below it; names
   * both locations. A location with the other kind of log is refused too.
   */
  static void refuseNested(S3 s3, String tableUrl, String ownLog) {
    S3Url location = S3Url.parse(tableUrl).asPrefix();
    List<String> probes = new ArrayList<>();
    for (S3Url folder = parent(location); folder != null; folder = parent(folder)) {
      for (String log : LOG_FOLDERS) {
        probes.add(folder.resolve(log).toString());
      }
    }
    probes.add(location.resolve(DeltaTable.LOG_FOLDER).toString());
    probes.add(location.resolve(TableLog.FOLDER).toString());
    boolean isTable = false;
    for (S3Object log : s3.listPaths(probes.stream().map(p -> TableLog.keyFor(s3, S3Url.parse(p))).toList())) {
      String root = rootOf(log.url());
      if (root.equals(location.toString())) {
        if (!log.url().contains("/" + ownLog)) {
          throw new MetaflowS3Exception(ownLog.equals(DeltaTable.LOG_FOLDER)
              ? "the location is a table of this library's earlier log (_metaflow_s3_log/), not a Delta table"
              : "the location is a Delta table: write rows to it as a table", location.toString());
        }
        isTable = true;
      } else {
        throw new MetaflowS3Exception("cannot write a table inside the table at " + root + " (write to that table, "
            + "partitioned, or to a location outside it)", location.toString());
      }
    }
    if (isTable) {
      return;
    }
    for (S3Object o : s3.listRecursive(List.of(TableLog.keyFor(s3, location)))) {
      String inner = rootOfLog(o.url());
      if (inner != null && !inner.equals(location.toString())) { // its own log: another writer made it just now
        throw new MetaflowS3Exception("cannot write a table around the table at " + inner + " (write to a location "
            + "that holds no table)", location.toString());
      }
    }
  }

  private static S3Url parent(S3Url folder) {
    if (folder.key().isEmpty()) {
      return null;
    }
    int slash = folder.key().lastIndexOf('/', folder.key().length() - 2);
    return new S3Url(folder.bucket(), slash < 0 ? "" : folder.key().substring(0, slash + 1));
  }

  /** The table root of an entry of a log folder listing. */
  private static String rootOf(String url) {
    String root = rootOfLog(url);
    if (root == null) {
      throw new IllegalStateException("not in a log folder: " + url);
    }
    return root;
  }

  /** The root of the table whose log holds {@code url}, or null when it lies in no log folder. */
  private static String rootOfLog(String url) {
    for (String log : LOG_FOLDERS) {
      int at = url.indexOf("/" + log);
      if (at >= 0) {
        return url.substring(0, at + 1);
      }
    }
    return null;
  }
}
