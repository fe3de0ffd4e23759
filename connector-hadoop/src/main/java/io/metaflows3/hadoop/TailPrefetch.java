package io.metaflows3.hadoop;

import io.metaflows3.core.S3;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.fs.FileRange;
import org.apache.hadoop.fs.VectoredReadUtils;
import org.apache.hadoop.fs.impl.CombinedFileRange;

/**
 * The objects one task will open, fetched ahead of its reader: each one's tail (last {@value #TAIL} bytes: a
 * Parquet footer and its length; all of an object up to {@value #WHOLE} bytes), then what the tail says the
 * reader will read next (a {@link FollowUp}: the column chunks of a Parquet file). So a task reading many files
 * waits for none of their round trips but the first. The fetches go to the {@link RangeCache}, where the
 * streams find them; they stay at most {@value #AHEAD} objects and {@value #AHEAD_BYTES} bytes ahead of the
 * object the task last opened.
 */
public final class TailPrefetch implements AutoCloseable {
  static final int TAIL = 64 << 10;
  /**
   * Objects up to this size are read whole by their first read at the tail: on S3 one more round trip costs
   * more than moving this many more bytes (20 ms at 80 MiB/s is 1.6 MB).
   */
  static final int WHOLE = 1 << 20;
  private static final int AHEAD = 8;
  private static final long AHEAD_BYTES = 64L << 20;
  /** The prefetch of the task running on a thread: its reader opens the files on that thread. */
  private static final ThreadLocal<TailPrefetch> OF_THREAD = new ThreadLocal<>();

  /** One object to prefetch: its URL, size and the version listed (null: none prefetched). */
  public record Target(String url, long size, String etag) {}

  /**
   * The vectored reads a reader will make of an object after its tail, each a list of ranges (offsets in the
   * object); none to fetch nothing.
   */
  @FunctionalInterface
  public interface FollowUp {
    List<List<FileRange>> after(Target object, long tailStart, byte[] tail) throws java.io.IOException;
  }

  private final S3 s3;
  private final List<Target> targets;
  private final FollowUp followUp;
  private final long[] fetchedBytes;
  private int started;
  private int opened = -1;
  private long bytesAhead;
  private boolean closed;

  private TailPrefetch(S3 s3, List<Target> targets, FollowUp followUp) {
    this.s3 = s3;
    this.targets = List.copyOf(targets);
    this.followUp = followUp;
    this.fetchedBytes = new long[targets.size()];
  }

  /** Starts fetching the tails of {@code targets} (in the order they will be opened); close when the task is done. */
  public static TailPrefetch start(S3 s3, List<Target> targets) {
    return start(s3, targets, (object, tailStart, tail) -> List.of());
  }

  /** As {@link #start(S3, List)}, and each object's {@code followUp} ranges once its tail is in. */
  public static TailPrefetch start(S3 s3, List<Target> targets, FollowUp followUp) {
    TailPrefetch prefetch = new TailPrefetch(s3, targets, followUp);
    OF_THREAD.set(prefetch);
    prefetch.startMore();
    return prefetch;
  }

  /** A stream opened version {@code etag} of {@code url} on this thread: the task's prefetch moves on. */
  static void opened(String url, String etag) {
    TailPrefetch prefetch = OF_THREAD.get();
    if (prefetch != null && etag != null) {
      prefetch.reached(url, etag);
    }
  }

  private synchronized void reached(String url, String etag) {
    for (int i = opened + 1; i < targets.size(); i++) {
      if (targets.get(i).url().equals(url) && etag.equals(targets.get(i).etag())) {
        for (int passed = opened + 1; passed <= i; passed++) {
          bytesAhead -= fetchedBytes[passed];
        }
        opened = i;
        started = Math.max(started, i);
        startMore();
        return;
      }
    }
  }

  private synchronized void startMore() {
    while (!closed && started < targets.size() && started - opened <= AHEAD && bytesAhead < AHEAD_BYTES) {
      int index = started++;
      Target t = targets.get(index);
      if (t.size() == 0 || t.etag() == null) {
        continue;
      }
      long start = tailStart(t.size());
      if (!RangeCache.SHARED.keeps(t.size() - start)) {
        continue; // nowhere to keep it for the reader
      }
      RangeCache.Range tail = RangeCache.SHARED.fetch(s3, t.url(), t.etag(), start, (int) (t.size() - start));
      fetched(index, tail.length());
      tail.bytes().thenAccept(bytes -> followUp(index, t, start, bytes));
    }
  }

  private void followUp(int index, Target t, long tailStart, byte[] tail) {
    try {
      for (List<FileRange> read : followUp.after(t, tailStart, tail)) {
        // Merged as the stream merges the reader's vectored read of the same ranges: each finds its range here.
        List<? extends FileRange> sorted = VectoredReadUtils.validateAndSortRanges(read, Optional.of(t.size()));
        for (CombinedFileRange merged : VectoredReadUtils.mergeSortedRanges(sorted, 1, S3ObjectInputStream.MIN_SEEK,
            S3ObjectInputStream.MAX_MERGED)) {
          synchronized (this) {
            if (closed || index < opened || !RangeCache.SHARED.keeps(merged.getLength())) {
              return;
            }
            RangeCache.SHARED.fetch(s3, t.url(), t.etag(), merged.getOffset(), merged.getLength());
            fetched(index, merged.getLength());
          }
        }
      }
    } catch (RuntimeException | java.io.IOException e) {
      // An unreadable footer: nothing fetched ahead; the reader meets it and reports it.
    }
  }

  private synchronized void fetched(int index, long bytes) {
    fetchedBytes[index] += bytes;
    if (index > opened) {
      bytesAhead += bytes;
    }
  }

  /** Where the tail of an object of {@code size} bytes starts: its last {@value #TAIL} bytes, or all of a small one. */
  static long tailStart(long size) {
    return size <= WHOLE ? 0 : size - TAIL;
  }

  /** Fetches nothing more for this task (a task done, or stopped early); call on the thread that started it. */
  @Override
  public synchronized void close() {
    closed = true;
    if (OF_THREAD.get() == this) {
      OF_THREAD.remove();
    }
  }
}
