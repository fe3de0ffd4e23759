package io.metaflows3.core;

import io.metaflows3.core.S3;
import io.metaflows3.core.metaflow.MetaflowS3Exception;
import io.metaflows3.core.metaflow.MetaflowS3InvalidRange;
import io.metaflows3.core.api.S3Url;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;

/**
 * Reads an object sequentially from any offset by ranged GETs of one part each, the next {@value #AHEAD} parts
 * fetched in parallel while the current one is read (S3 serves each connection at a fraction of a host's
 * bandwidth), so a reader of a large object holds at most five parts in memory, never the object, and rarely
 * waits. {@link #seek} moves anywhere; data already in the current part is reused, and a read in the last
 * 64 KiB fetches all of them.
 */
public final class RangeStream extends InputStream {
  private static final long TAIL = 64 * 1024;
  static final int AHEAD = 4;
  private final S3 s3;
  private final S3Url url;
  private final long size;
  private final String etag;
  private final int chunk;
  private byte[] buffer = new byte[0];
  private long bufferStart;
  private long position;
  /** A part being fetched ahead, from {@code start}. */
  private record Part(long start, CompletableFuture<byte[]> bytes) {}

  /** The parts after the buffer, in order, being fetched. */
  private final Deque<Part> ahead = new ArrayDeque<>();
  /** Where the part after the last one fetched ahead starts. */
  private long aheadEnd;
  /** Parts starting here or after are fetched when read, not ahead. */
  private long aheadLimit;

  /**
   * A stream over {@code url} (a full URL) of {@code size} bytes, starting at 0; {@code size} and
   * {@code etag} come from a listing, and every read is pinned to that version (null: any).
   */
  public RangeStream(S3 s3, String url, long size, String etag) {
    this.s3 = s3;
    this.url = S3Url.parse(url);
    this.size = size;
    this.etag = etag;
    this.chunk = (int) Math.min(Integer.MAX_VALUE - 8, s3.settings().partSize());
    this.aheadLimit = size;
  }

  /** Fetches parts ahead only below {@code end}: for a reader that will stop about there (a range's lines). */
  public RangeStream readAheadBelow(long end) {
    this.aheadLimit = Math.min(size, end);
    return this;
  }

  public long position() {
    return position;
  }

  public long size() {
    return size;
  }

  public void seek(long newPosition) {
    if (newPosition < 0 || newPosition > size) {
      throw new MetaflowS3InvalidRange("seek to " + newPosition + " outside 0.." + size, url.toString(), null);
    }
    position = newPosition;
  }

  @Override
  public int read() throws IOException {
    if (!fill()) {
      return -1;
    }
    return buffer[(int) (position++ - bufferStart)] & 0xff;
  }

  @Override
  public int read(byte[] into, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (!fill()) {
      return -1;
    }
    int n = (int) Math.min(len, bufferStart + buffer.length - position);
    System.arraycopy(buffer, (int) (position - bufferStart), into, off, n);
    position += n;
    return n;
  }

  @Override
  public long skip(long n) {
    long to = Math.min(size, position + Math.max(0, n));
    long skipped = to - position;
    position = to;
    return skipped;
  }

  @Override
  public int available() {
    long inBuffer = bufferStart + buffer.length - position;
    return inBuffer > 0 ? (int) inBuffer : 0;
  }

  @Override
  public void close() {
    cancelAhead();
  }

  private void cancelAhead() {
    ahead.forEach(part -> part.bytes().cancel(false));
    ahead.clear();
  }

  /** Makes sure the byte at {@code position} is buffered; false at the end of the object. */
  private boolean fill() {
    if (position >= size) {
      return false;
    }
    if (position >= bufferStart && position < bufferStart + buffer.length) {
      return true;
    }
    // A read near the end (a Parquet footer's length, then the footer) takes the whole tail in one GET.
    long tail = Math.min(TAIL, chunk);
    boolean next = !ahead.isEmpty() && ahead.peek().start() == position;
    long start = next ? position : size - position <= tail ? Math.max(0, size - tail) : position;
    if (!next) {
      cancelAhead();
    }
    buffer = next ? S3.await(ahead.poll().bytes()) : s3.readBytes(url, start, Math.min(chunk, size - start), etag);
    bufferStart = start;
    if (!next) {
      aheadEnd = start + buffer.length;
    }
    while (buffer.length > 0 && ahead.size() < AHEAD && aheadEnd < aheadLimit) {
      long length = Math.min(chunk, size - aheadEnd);
      ahead.add(new Part(aheadEnd, s3.readBytesAsync(url.toString(), aheadEnd, length, etag)));
      aheadEnd += length;
    }
    if (buffer.length == 0) {
      throw new MetaflowS3Exception("object shrank while being read (at byte " + position + ")", url.toString());
    }
    return true;
  }
}
