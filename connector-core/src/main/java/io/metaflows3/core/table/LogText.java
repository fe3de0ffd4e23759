package io.metaflows3.core.table;

import io.metaflows3.core.metaflow.MetaflowS3Exception;

/**
 * The text of a table log file (a version, a checkpoint): a header line naming the kind, then one fact per line,
 * its fields separated by tabs; '%', tab and line breaks in keys are escaped as {@code %XX}, so any S3 key fits
 * on one line.
 */
final class LogText {
  /** Takes one fact's fields (the first names the fact); false when it does not know the fact. */
  @FunctionalInterface
  interface Facts {
    boolean take(String[] fields);
  }

  private LogText() {}

  /** Hands each fact of {@code text} to {@code facts}; a wrong header, an unknown or malformed fact is an error. */
  static void read(String text, String header, String kind, String url, Facts facts) {
    String[] lines = text.split("\n");
    if (lines.length < 2 || !lines[0].equals(header)) {
      throw new MetaflowS3Exception("not a " + kind + " (bad header)", url);
    }
    for (int i = 1; i < lines.length; i++) {
      String[] fields = lines[i].split("\t", -1);
      boolean known;
      try {
        known = facts.take(fields);
      } catch (ArrayIndexOutOfBoundsException | NumberFormatException e) {
        throw new MetaflowS3Exception("malformed " + kind + " line " + (i + 1), url, e);
      }
      if (!known) {
        throw new MetaflowS3Exception("unknown " + kind + " line " + (i + 1) + ": " + fields[0], url);
      }
    }
  }

  static String unescape(String key) {
    return key.replace("%0D", "\r").replace("%0A", "\n").replace("%09", "\t").replace("%25", "%");
  }
}
