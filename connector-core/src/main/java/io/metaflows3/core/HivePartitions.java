package io.metaflows3.core;

import java.util.LinkedHashMap;
import java.util.Map;

/** Reads hive-style {@code column=value} segments of keys, as Hive, Spark and Metaflow users lay data out. */
public final class HivePartitions {
  private HivePartitions() {}

  /** The {@code column=value} pairs among the folder segments of {@code relativeKey}, outermost first. */
  public static Map<String, String> parse(String relativeKey) {
    Map<String, String> values = new LinkedHashMap<>();
    String[] segments = relativeKey.split("/");
    for (int i = 0; i < segments.length - 1; i++) {
      int eq = segments[i].indexOf('=');
      if (eq > 0) {
        values.put(segments[i].substring(0, eq), segments[i].substring(eq + 1));
      }
    }
    return values;
  }

  /** The column and value of one folder name, e.g. {@code country=US}, or null when it is not of that form. */
  static String[] columnAndValue(String folderName) {
    int eq = folderName.indexOf('=');
    return eq > 0 ? new String[] {folderName.substring(0, eq), folderName.substring(eq + 1)} : null;
  }
}
