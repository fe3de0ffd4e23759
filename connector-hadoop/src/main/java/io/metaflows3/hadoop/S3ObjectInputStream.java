package io.metaflows3.hadoop;

import io.metaflows3.core.api.ObjectRange;
import io.metaflows3.core.S3;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.IntFunction;
import org.apache.hadoop.fs.FSInputStream;
import org.apache.hadoop.fs.FileRange;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.StreamCapabilities;
import org.apache.hadoop.fs.VectoredReadUtils;
import org.apache.hadoop.fs.impl.CombinedFileRange;

/**
 * One object as a seekable Hadoop stream that moves only the bytes asked for: a read of at least
 * {@value #READ_AHEAD} bytes (a Parquet column chunk) is one ranged GET of exactly those bytes; smaller reads
 * share a {@value #READ_AHEAD}-byte read-ahead, and a read in the last 64 KiB takes the whole tail (a Parquet
 * footer's length, then the footer: one GET; all of an object up to 1 MiB, so its column chunks cost no more
 * round trips). Vectored reads (Parquet's row groups) coalesce ranges less than {@value #MIN_SEEK} bytes apart
 * and fetch them all in parallel. Tails and vectored ranges of a listed version go through the
 * {@link RangeCache}, where a task's {@link TailPrefetch} may have fetched them already.
 */
final class S3ObjectInputStream extends FSInputStream implements StreamCapabilities {
  static final int READ_AHEAD = 1 << 20;
  static final int MIN_SEEK = 128 << 10;
  static final int MAX_MERGED = 8 << 20;
  private static final int TAIL = TailPrefetch.TAIL;

  private final S3 s3;
  private final String url;
  private final long size;
  private final String etag;
  private final FileSystem.Statistics statistics;
  private byte[] buffer = new byte[0];
  private long bufferStart;
  private long position;
  private boolean closed;

  /** {@code etag}: the version every read is pinned to ({@link ObjectRange#version()}; null: whatever is there). */
  S3ObjectInputStream(S3 s3, String url, long size, String etag, FileSystem.Statistics statistics) {
    this.s3 = s3;
    this.url = url;
    this.size = size;
    this.etag = etag;
    this.statistics = statistics;
  }

  @Override
  public synchronized void seek(long to) throws IOException {
    checkOpen();
    if (to < 0 || to > size) {
      throw new EOFException("cannot seek to " + to + " in " + url + " (" + size + " bytes)");
    }
    position = to;
  }

  @Override
  public synchronized long getPos() {
    return position;
  }

  @Override
  public boolean seekToNewSource(long targetPos) {
    return false;
  }

  @Override
  public synchronized int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public synchronized int read(byte[] into, int off, int len) throws IOException {
    int n = readAt(position, into, off, len);
    if (n > 0) {
      position += n;
    }
    return n;
  }

  @Override
  public synchronized int read(long at, byte[] into, int off, int len) throws IOException {
    return readAt(at, into, off, len);
  }

  @Override
  public synchronized void readFully(long at, byte[] into, int off, int len) throws IOException {
    if (at < 0 || at + len > size) {
      throw new EOFException("cannot read " + len + " bytes at " + at + " of " + url + " (" + size + " bytes)");
    }
    readAt(at, into, off, len);
  }

  @Override
  public synchronized int available() {
    long inBuffer = bufferStart + buffer.length - position;
    return position >= bufferStart && inBuffer > 0 ? (int) Math.min(inBuffer, Integer.MAX_VALUE) : 0;
  }

  /** Reads up to {@code len} bytes at {@code at} (all of them unless the object ends first); -1 at the end. */
  private int readAt(long at, byte[] into, int off, int len) throws IOException {
    checkOpen();
    if (len == 0) {
      return 0;
    }
    if (at >= size) {
      return -1;
    }
    int n = (int) Math.min(len, size - at);
    if (at < bufferStart || at + n > bufferStart + buffer.length) {
      RangeCache.Range cached = etag == null ? null : RangeCache.SHARED.find(s3, url, etag, at, n);
      if (cached == null && n >= READ_AHEAD) {
        System.arraycopy(fetch(at, n), 0, into, off, n);
        return n;
      }
      if (cached == null && size - at <= TAIL) {
        long start = TailPrefetch.tailStart(size);
        cached = RangeCache.SHARED.fetch(s3, url, etag, start, (int) (size - start));
      }
      if (cached != null) {
        buffer = await(cached.bytes());
        bufferStart = cached.offset();
        count(cached.length());
      } else {
        buffer = fetch(at, (int) Math.min(READ_AHEAD, size - at));
        bufferStart = at;
      }
    }
    System.arraycopy(buffer, (int) (at - bufferStart), into, off, n);
    return n;
  }

  private byte[] fetch(long at, int length) throws IOException {
    count(length);
    return await(s3.readBytesAsync(url, at, length, ObjectRange.ifMatch(etag)));
  }

  private byte[] await(CompletableFuture<byte[]> read) throws IOException {
    try {
      return read.join();
    } catch (CompletionException | io.metaflows3.core.metaflow.MetaflowS3Exception e) {
      throw IoErrors.of(e, url);
    }
  }

  /**
   * Hadoop's vectored read: ranges less than {@value #MIN_SEEK} apart are fetched as one, every merged range in
   * parallel; each range's future completes as its bytes arrive.
   */
  @Override
  public void readVectored(List<? extends FileRange> ranges, IntFunction<ByteBuffer> allocate) throws IOException {
    checkOpen();
    List<? extends FileRange> sorted = VectoredReadUtils.validateAndSortRanges(ranges, Optional.of(size));
    for (FileRange r : sorted) {
      r.setData(new java.util.concurrent.CompletableFuture<>());
    }
    synchronized (this) {
      if (sorted.stream().allMatch(r -> r.getOffset() >= bufferStart
          && r.getOffset() + r.getLength() <= bufferStart + buffer.length)) {
        for (FileRange r : sorted) {
          r.getData().complete(slice(buffer, (int) (r.getOffset() - bufferStart), r.getLength(), allocate));
        }
        return; // a small object read whole with its footer
      }
    }
    for (CombinedFileRange merged : VectoredReadUtils.mergeSortedRanges(sorted, 1, MIN_SEEK, MAX_MERGED)) {
      count(merged.getLength());
      RangeCache.Range fetched = RangeCache.SHARED.fetch(s3, url, etag, merged.getOffset(), merged.getLength());
      fetched.bytes().whenComplete((bytes, error) -> {
        for (FileRange r : merged.getUnderlying()) {
          if (error != null) {
            r.getData().completeExceptionally(IoErrors.of(new CompletionException(error), url));
          } else {
            r.getData().complete(slice(bytes, (int) (r.getOffset() - fetched.offset()), r.getLength(), allocate));
          }
        }
      });
    }
  }

  private static ByteBuffer slice(byte[] bytes, int offset, int length, IntFunction<ByteBuffer> allocate) {
    ByteBuffer data = allocate.apply(length);
    data.put(bytes, offset, length).flip();
    return data;
  }

  @Override
  public int minSeekForVectorReads() {
    return MIN_SEEK;
  }

  @Override
  public int maxReadSizeForVectorReads() {
    return MAX_MERGED;
  }

  @Override
  public boolean hasCapability(String capability) {
    return VectoredReadUtils.hasVectorIOCapability(capability);
  }

  /** Counted on the caller's thread, where Hadoop keeps a task's statistics (Spark's input metrics read them). */
  private void count(long bytes) {
    if (statistics != null) {
      statistics.incrementBytesRead(bytes);
      statistics.incrementReadOps(1);
    }
  }

  private void checkOpen() throws IOException {
    if (closed) {
      throw new IOException(url + ": stream is closed");
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    buffer = new byte[0];
  }
}
