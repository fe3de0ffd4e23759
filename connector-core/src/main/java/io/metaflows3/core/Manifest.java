package io.metaflows3.core;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * The list of objects one committed write made below its prefix, stored as {@code _manifest-<writeId>.tsv}
 * there. When a prefix holds manifests, readers read exactly the objects they list, so the debris of failed
 * or duplicate attempts is never read. Format: a header line, then {@code size<TAB>relative key} per object.
 */
final class Manifest {
  static final String HEADER = "# metaflow-s3-connectors manifest v1";
  private static final String PREFIX = "_manifest-";
  private static final String SUFFIX = ".tsv";

  /** One committed object: its key relative to the manifest's prefix, and its size. */
  record Entry(String key, long size) implements Serializable {}

  private Manifest() {}

  static String name(String writeId) {
    return PREFIX + writeId + SUFFIX;
  }

  /** True for a manifest directly below the prefix ({@code relativeKey} has no folder). */
  static boolean isManifest(String relativeKey) {
    return relativeKey.startsWith(PREFIX) && relativeKey.endsWith(SUFFIX) && relativeKey.indexOf('/') < 0;
  }

  static String render(List<Entry> entries) {
    StringBuilder b = new StringBuilder(HEADER).append('\n');
    for (Entry e : entries) {
      b.append(e.size()).append('\t').append(e.key()).append('\n');
    }
    return b.toString();
  }

  static List<Entry> parse(String text, String url) {
    String[] lines = text.split("\n");
    if (lines.length == 0 || !lines[0].equals(HEADER)) {
      throw new MetaflowS3Exception("not a manifest (bad header)", url);
    }
    List<Entry> entries = new ArrayList<>();
    for (int i = 1; i < lines.length; i++) {
      int tab = lines[i].indexOf('\t');
      if (tab < 0) {
        throw new MetaflowS3Exception("malformed manifest line " + (i + 1), url);
      }
      try {
        entries.add(new Entry(lines[i].substring(tab + 1), Long.parseLong(lines[i].substring(0, tab))));
      } catch (NumberFormatException e) {
        throw new MetaflowS3Exception("malformed manifest line " + (i + 1), url, e);
      }
    }
    return entries;
  }
}
