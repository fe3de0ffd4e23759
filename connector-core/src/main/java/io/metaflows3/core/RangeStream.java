package io.metaflows3.core;

import java.io.IOException;
import java.io.InputStream;

/**
 * Reads an object sequentially from any offset by ranged GETs of one part each, so a reader of a large
 * object holds one part in memory, never the object. {@link #seek} moves anywhere (Parquet footers, row
 * groups); data already in the current part is reused, and a read in the last 64 KiB fetches all of them.
 */
public final class RangeStream extends InputStream {
  private static final long TAIL = 64 * 1024;
  private final S3 s3;
  private final S3Url url;
  private final long size;
  private final String etag;
  private final int chunk;
  private byte[] buffer = new byte[0];
  private long bufferStart;
  private long position;

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
    long start = size - position <= tail ? Math.max(0, size - tail) : position;
    buffer = s3.readBytes(url, start, Math.min(chunk, size - start), etag);
    bufferStart = start;
    if (buffer.length == 0) {
      throw new MetaflowS3Exception("object shrank while being read (at byte " + position + ")", url.toString());
    }
    return true;
  }
}
