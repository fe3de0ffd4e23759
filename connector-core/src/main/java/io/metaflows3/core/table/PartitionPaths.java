package io.metaflows3.core.table;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Partition folders as Spark's file sources name and read them: {@code column=value/} segments with both sides
 * escaped like Hive's {@code FileUtils} (a {@code %XX} per reserved character), null and the empty string as
 * {@code __HIVE_DEFAULT_PARTITION__}, and the names Spark's listing hides. The engine-free copy of Spark's rules,
 * checked against Spark's own {@code ExternalCatalogUtils} by a differential test in connector-spark.
 */
public final class PartitionPaths {
  public static final String DEFAULT_PARTITION_NAME = "__HIVE_DEFAULT_PARTITION__";
  private static final BitSet ESCAPED = new BitSet(128);

  static {
    for (char c = 1; c < 0x20; c++) {
      ESCAPED.set(c);
    }
    for (char c : "\"#%'*/:=?\\\u007F{[]^".toCharArray()) {
      ESCAPED.set(c);
    }
  }

  private PartitionPaths() {}

  /** Escapes a column name or value for a folder name. */
  public static String escape(String text) {
    StringBuilder b = new StringBuilder(text.length() + 8);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 128 && ESCAPED.get(c)) {
        b.append('%').append(String.format("%02X", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  /** Undoes {@link #escape}: each {@code %XX} of two hex digits becomes that character; anything else stays. */
  public static String unescape(String text) {
    StringBuilder b = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      int code = c == '%' && i + 2 < text.length() ? hex(text.charAt(i + 1), text.charAt(i + 2)) : -1;
      if (code >= 0) {
        b.append((char) code);
        i += 2;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  private static int hex(char high, char low) {
    int h = Character.digit(high, 16);
    int l = Character.digit(low, 16);
    return h < 0 || l < 0 ? -1 : h * 16 + l;
  }

  /** The folder for one partition value, e.g. {@code country=US/}; null and "" become the default partition. */
  public static String folder(String column, String value) {
    String v = value == null || value.isEmpty() ? DEFAULT_PARTITION_NAME : escape(value);
    return escape(column) + "=" + v + "/";
  }

  /**
   * The partition columns of a key relative to a table's root, with raw (still escaped) values, outermost first:
   * as Spark does, the {@code column=value} folders read upwards from the file's folder, stopping at the first
   * folder of another form once one was found. A key inside a {@code _temporary} folder has none.
   *
   * @throws IllegalArgumentException for an empty column name or value ({@code =x/}, {@code x=/})
   */
  public static Map<String, String> rawValues(String relativeKey) {
    String[] segments = relativeKey.split("/", -1);
    List<String[]> found = new ArrayList<>();
    for (int i = segments.length - 2; i >= 0; i--) {
      if (segments[i].equalsIgnoreCase("_temporary")) {
        return Map.of();
      }
      int eq = segments[i].indexOf('=');
      if (eq < 0) {
        if (!found.isEmpty()) {
          break;
        }
        continue;
      }
      String column = unescape(segments[i].substring(0, eq));
      String raw = segments[i].substring(eq + 1);
      if (column.isEmpty() || raw.isEmpty()) {
        throw new IllegalArgumentException("empty partition column name or value in folder '" + segments[i] + "'");
      }
      found.add(new String[] {column, raw});
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (int i = found.size() - 1; i >= 0; i--) {
      values.put(found.get(i)[0], found.get(i)[1]);
    }
    return values;
  }

  /**
   * Whether Spark's file listing hides a file or folder of this name: names starting with '.', names starting
   * with '_' unless they hold '=' ({@code _p=1} is a partition), and files still being copied.
   */
  public static boolean isHiddenName(String name) {
    return name.startsWith(".") || name.startsWith("_") && name.indexOf('=') < 0 || name.endsWith("._COPYING_");
  }

  /** Whether any folder or the file name of a relative key is hidden. */
  public static boolean isHidden(String relativeKey) {
    for (String segment : relativeKey.split("/")) {
      if (!segment.isEmpty() && isHiddenName(segment)) {
        return true;
      }
    }
    return false;
  }
}
