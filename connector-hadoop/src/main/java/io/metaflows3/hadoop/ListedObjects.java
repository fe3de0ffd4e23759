package io.metaflows3.hadoop;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The size and version of objects a listing saw, told to this JVM's file systems by the engine that planned
 * the read (Spark's readers open files by path alone): opening a listed object costs no HEAD, and its reads are
 * pinned to the version listed, so an object replaced since fails instead of mixing versions. Bounded: the
 * least recently used entries are forgotten, which costs a HEAD, never a wrong answer.
 */
public final class ListedObjects {
  /** What a listing saw of one object. */
  public record Listed(long size, String etag, long modificationTime) {}

  private static final int CAPACITY = 100_000;
  private static final Map<String, Listed> KNOWN = Collections.synchronizedMap(
      new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Listed> eldest) {
          return size() > CAPACITY;
        }
      });

  private ListedObjects() {}

  /** Remembers what a listing saw of the object at {@code url}. */
  public static void remember(String url, Listed listed) {
    KNOWN.put(url, listed);
  }

  static Listed lookup(String url) {
    return KNOWN.get(url);
  }

  /** Forgets {@code url} (written or deleted through a file system of this JVM). */
  static void forget(String url) {
    KNOWN.remove(url);
  }
}
