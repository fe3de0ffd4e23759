package io.metaflows3.core.table;

import io.metaflows3.core.metaflow.MetaflowS3Exception;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Object;
import io.metaflows3.core.api.S3Url;
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
    Map<String, List<S3Object>> above = TableLog.tablesAbove(s3, List.of(location)).logs();
    if (above.containsKey(location)) {
      String kind = TableLog.kind(above.get(location));
      if (!kind.equals(ownLog)) {
        throw new MetaflowS3Exception("the location is " + describe(kind) + ", not " + describe(ownLog)
            + ": write to another location", location);
      }
    }
    // An existing table's folders are its own: they are not listed (an append costs the log, not the table).
    refuseOthers(s3, location, above, !above.containsKey(location));
  }

  /**
   * Refuses a table just created at {@code tableUrl} when another table appeared above or below it meanwhile:
   * two writers creating nested tables at once both passed {@link #refuseNested} before either log existed, and
   * each checks again after creating its own, so at least the later one sees the other and fails.
   */
  static void refuseNestedCreated(S3 s3, String tableUrl) {
    String location = S3Url.parse(tableUrl).asPrefix().toString();
    Map<String, List<S3Object>> above = TableLog.tablesAbove(s3, List.of(location)).logs();
    List<S3Object> own = above.getOrDefault(location, List.of());
    if (own.size() > 1) { // both kinds of log, made at once by writes of rows and of objects
      throw new MetaflowS3Exception("the location became a table of another kind while this one was created: "
          + "write rows and objects to different locations", location);
    }
    refuseOthers(s3, location, above, true);
  }

  /** Refuses tables above the location (its own aside) and ({@code below}) tables below it. */
  private static void refuseOthers(S3 s3, String location, Map<String, List<S3Object>> above, boolean below) {
    for (String root : above.keySet()) {
      if (!root.equals(location)) {
        throw new MetaflowS3Exception("cannot write a table inside the table at " + root + " (write to that table, "
            + "partitioned, or to a location outside it)", location);
      }
    }
    if (!below) {
      return;
    }
    for (S3Object o : s3.listRecursive(List.of(TableLog.keyFor(s3, S3Url.parse(location))))) {
      String inner = TableLog.rootOfLogKey(o.url());
      if (inner != null && !inner.equals(location)) {
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
