package io.metaflows3.hadoop;

import io.metaflows3.core.S3;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tails (last {@value #TAIL} bytes: a Parquet footer and its length; all of an object up to {@value #WHOLE}
 * bytes) of the objects one task will open, fetched
 * ahead, {@value #AHEAD} at a time, so a task reading many files waits for one footer round trip, not one per
 * file. A stream opening one of them takes its tail from here instead of fetching it; each tail taken starts the
 * next one's fetch.
 */
public final class TailPrefetch implements AutoCloseable {
  static final int TAIL = 64 << 10;
  /**
   * Objects up to this size are read whole by their first read at the tail: on S3 one more round trip costs
   * more than moving this many more bytes (20 ms at 80 MiB/s is 1.6 MB).
   */
  static final int WHOLE = 1 << 20;
  private static final int AHEAD = 8;
  private static final Map<String, CompletableFuture<byte[]>> FETCHED = new ConcurrentHashMap<>();

  /** One object to prefetch: its URL, size and the version listed (null: none prefetched). */
  public record Target(String url, long size, String etag) {}

  private final S3 s3;
  private final Deque<Target> waiting;
  private final Deque<String> started = new ArrayDeque<>();

  private TailPrefetch(S3 s3, List<Target> targets) {
    this.s3 = s3;
    this.waiting = new ArrayDeque<>(targets);
  }

  /** Starts fetching the tails of {@code targets} (in the order they will be opened); close when the task is done. */
  public static TailPrefetch start(S3 s3, List<Target> targets) {
    TailPrefetch prefetch = new TailPrefetch(s3, targets);
    for (int i = 0; i < AHEAD; i++) {
      prefetch.next();
    }
    return prefetch;
  }

  private synchronized void next() {
    Target t = waiting.poll();
    if (t == null || t.size() == 0 || t.etag() == null) {
      return;
    }
    long start = tailStart(t.size());
    CompletableFuture<byte[]> tail = s3.readBytesAsync(t.url(), start, t.size() - start, t.etag());
    tail.whenComplete((bytes, error) -> next());
    FETCHED.put(key(t.url(), t.etag()), tail);
    started.add(key(t.url(), t.etag()));
  }

  /** Where the tail of an object of {@code size} bytes starts: its last {@value #TAIL} bytes, or all of a small one. */
  static long tailStart(long size) {
    return size <= WHOLE ? 0 : size - TAIL;
  }

  /**
   * The prefetched tail of version {@code etag} of {@code url}, if a task started one (taken: a second open
   * fetches its own). Keyed by version, so a tail never serves a newer object at the same key.
   */
  static CompletableFuture<byte[]> take(String url, String etag) {
    return etag == null ? null : FETCHED.remove(key(url, etag));
  }

  private static String key(String url, String etag) {
    return url + "#" + etag;
  }

  /** Forgets this task's tails not taken (a task that stopped early). */
  @Override
  public synchronized void close() {
    waiting.clear();
    started.forEach(FETCHED::remove);
  }
}
