package io.metaflows3.core.table;

import io.metaflows3.core.MetaflowS3Exception;
import io.metaflows3.core.S3;
import io.metaflows3.core.S3Object;
import io.metaflows3.core.S3Url;
import java.util.List;
import java.util.Map;

/**
 * Keeps tables apart: a table is never written inside another one (its files would be the outer table's
 * debris, and the outer table's overwrite or vacuum would delete them), nor around one. A table here is a
 * location with a log: a Delta table's {@code _delta_log/}, the record of a write of objects
 * ({@value TableWrite#OBJECTS_FOLDER}), or this library's earlier {@code _metaflow_s3_log/}.
 */
final class TableNesting {
  private TableNesting() {}

  /**
   * Refuses a write to {@code tableUrl} when a folder above it is a table, or when a table lies below it, unless
   * the location is a table of the write's own kind ({@code ownLog}: {@link DeltaTable#LOG_FOLDER} or {@link
   * TableWrite#OBJECTS_FOLDER}); a table of another kind there is refused too. Errors name both locations.
   */
  static void refuseNested(S3 s3, String tableUrl, String ownLog) {
    String location = S3Url.parse(tableUrl).asPrefix().toString();
    for (Map.Entry<String, List<S3Object>> table : TableLog.tablesAbove(s3, List.of(location)).logs().entrySet()) {
      String root = table.getKey();
      if (!root.equals(location)) {
        throw new MetaflowS3Exception("cannot write a table inside the table at " + root + " (write to that table, "
            + "partitioned, or to a location outside it)", location);
      }
      String kind = TableLog.kind(table.getValue());
      if (!kind.equals(ownLog)) {
        throw new MetaflowS3Exception("the location is " + describe(kind) + ", not " + describe(ownLog)
            + ": write to another location", location);
      }
      return; // a table of this kind: whatever lies below it is its own
    }
    for (S3Object o : s3.listRecursive(List.of(TableLog.keyFor(s3, S3Url.parse(location))))) {
      String inner = TableLog.rootOfLogKey(o.url());
      if (inner != null && !inner.equals(location)) { // its own log: another writer made it just now
        throw new MetaflowS3Exception("cannot write a table around the table at " + inner + " (write to a location "
            + "that holds no table)", location);
      }
    }
  }

  private static String describe(String log) {
    return log.equals(DeltaTable.LOG_FOLDER) ? "a Delta table of rows"
        : log.equals(TableWrite.OBJECTS_FOLDER) ? "a location written with objects"
        : "a table of this library's earlier log (_metaflow_s3_log/)";
  }
}
