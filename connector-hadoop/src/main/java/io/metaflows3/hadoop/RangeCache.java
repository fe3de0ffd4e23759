package io.metaflows3.hadoop;

import io.metaflows3.core.api.ObjectRange;
import io.metaflows3.core.S3;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Byte ranges of object versions, fetched ahead (a task's footers and column chunks) or read before (a
 * footer, a column chunk), shared by a JVM's streams: a footer read to infer a schema, or again by the next
 * query of the same table, costs no second GET. Keyed by client (so by credentials), URL and ETag: a range
 * never serves another version, nor a reader the server would refuse. Bounded by bytes, least recently used
 * object evicted; a range still being fetched is found too, so nothing is fetched twice.
 */
final class RangeCache {
  /** The system property that sizes a JVM's cache in bytes (0: none), e.g. in {@code spark.executor.extraJavaOptions}. */
  public static final String SIZE_PROPERTY = "metaflow.s3.rangeCacheBytes";
  /**
   * A JVM's share: by default an eighth of the heap, at most 256 MiB (Spark keeps most of an executor's heap for
   * itself).
   */
  static final RangeCache SHARED = new RangeCache(Long.getLong(SIZE_PROPERTY,
      Math.min(256L << 20, Runtime.getRuntime().maxMemory() / 8)));

  /** A fetched range: its first byte's offset in the object, and its bytes (when in). */
  record Range(long offset, int length, CompletableFuture<byte[]> bytes) {
    boolean contains(long at, long n) {
      return offset <= at && at + n <= offset + length;
    }
  }

  private record Key(S3 client, String url, String etag) {}

  private final long capacity;
  private final Map<Key, List<Range>> objects = new LinkedHashMap<>(16, 0.75f, true);
  private long size;

  RangeCache(long capacity) {
    this.capacity = capacity;
  }

  /** A range of version {@code etag} of {@code url} holding {@code [at, at + n)}, or null. */
  synchronized Range find(S3 s3, String url, String etag, long at, long n) {
    List<Range> ranges = objects.get(new Key(s3, url, etag));
    if (ranges != null) {
      for (Range r : ranges) {
        if (r.contains(at, n) && !r.bytes().isCompletedExceptionally()) {
          return r;
        }
      }
    }
    return null;
  }

  /** The range holding {@code [at, at + n)}, from here or fetched now (and kept); {@code etag} null: not kept. */
  Range fetch(S3 s3, String url, String etag, long at, int n) {
    Range found = etag == null ? null : find(s3, url, etag, at, n);
    if (found != null) {
      return found;
    }
    Range fetched = new Range(at, n, s3.readBytesAsync(url, at, n, ObjectRange.ifMatch(etag)));
    if (etag != null && keeps(n)) {
      keep(new Key(s3, url, etag), fetched);
    }
    return fetched;
  }

  /** Whether a range of {@code n} bytes is kept (a quarter of the capacity at most, so one never evicts all). */
  boolean keeps(long n) {
    return n <= capacity / 4;
  }

  private synchronized void keep(Key key, Range range) {
    objects.computeIfAbsent(key, k -> new ArrayList<>()).add(range);
    size += range.length();
    // A failed fetch is forgotten, so a later read fetches again (and reports the failure itself).
    range.bytes().whenComplete((bytes, error) -> {
      if (error != null) {
        forget(key, range);
      }
    });
    Iterator<Map.Entry<Key, List<Range>>> eldest = objects.entrySet().iterator();
    while (size > capacity && eldest.hasNext()) {
      Map.Entry<Key, List<Range>> e = eldest.next();
      if (!e.getKey().equals(key)) {
        size -= e.getValue().stream().mapToLong(Range::length).sum();
        eldest.remove();
      }
    }
  }

  private synchronized void forget(Key key, Range range) {
    List<Range> ranges = objects.get(key);
    if (ranges != null && ranges.remove(range)) {
      size -= range.length();
      if (ranges.isEmpty()) {
        objects.remove(key);
      }
    }
  }

  synchronized long size() {
    return size;
  }
}
