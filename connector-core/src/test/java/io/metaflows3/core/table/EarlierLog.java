package io.metaflows3.core.table;

import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Object;
import java.util.List;

/**
 * Tables of this library's earlier log, made by hand for the tests of reading them (nothing writes that log any
 * more): an object and the version that adds it, in the log's text format.
 */
final class EarlierLog {
  private EarlierLog() {}

  /** Stores {@code name} (its own text) below {@code table} and commits it as the log's next version. */
  static void append(S3 s3, String table, String name) {
    s3.put(table + name, name);
    String log = table + TableLog.FOLDER;
    long next = s3.listPaths(List.of(log)).stream().map(S3Object::url).filter(u -> u.endsWith(".tsv")).count();
    s3.put(log + String.format("%020d.tsv", next), TableVersion.HEADER + "\nwrite\tw" + next
        + "\noperation\tappend\nadd\t" + name.length() + "\t" + name + "\n");
  }
}
