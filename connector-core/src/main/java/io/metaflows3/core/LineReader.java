package io.metaflows3.core;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Reads the text lines of an {@link ObjectRange}, one at a time. A range owns the lines that start inside it,
 * so however an object is cut, every line is read exactly once: a range not at the start of the object skips
 * the line in progress, and the last line it owns is read to its end, even past the range.
 */
public final class LineReader implements AutoCloseable {
  private final ObjectRange range;
  private final InputStream in;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private long lineStart;

  /** A reader of the lines starting in {@code range}; holds at most one part of the object in memory. */
  public LineReader(S3 s3, ObjectRange range) {
    this.range = range;
    RangeStream raw = new RangeStream(s3, range.url(), range.size(), range.etag()).readAheadBelow(range.end());
    this.in = new BufferedInputStream(raw, 1 << 16);
    this.lineStart = range.start();
    if (range.start() > 0 && range.length() > 0) {
      // The line holding byte start-1 belongs to the range before, unless that byte ends it.
      raw.seek(range.start() - 1);
      lineStart = range.start() - 1 + readLine();
    }
  }

  private LineReader(String name, InputStream in) {
    this.range = new ObjectRange(name, Long.MAX_VALUE, null, 0, Long.MAX_VALUE, null);
    this.in = new BufferedInputStream(in, 1 << 16);
  }

  /**
   * A reader of every line of {@code in} (a decompressed object, which cannot be cut into ranges), split as a
   * range's lines are; {@code name} names it in errors. Closing the reader closes {@code in}.
   */
  public static LineReader whole(String name, InputStream in) {
    return new LineReader(name, in);
  }

  /** Stops reading: a part being fetched ahead is dropped. */
  @Override
  public void close() {
    try {
      in.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close " + range.url(), e);
    }
  }

  /** The object offset where the line {@link #next()} returns starts (the range's end or more: none is left). */
  public long position() {
    return lineStart;
  }

  /** The next line owned by the range, without its "\n" or "\r\n"; null when there is none. */
  public String next() {
    if (lineStart >= range.end()) {
      return null;
    }
    line.reset();
    long consumed = readLine();
    if (consumed == 0) {
      return null;
    }
    lineStart += consumed;
    byte[] bytes = line.toByteArray();
    int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
    return new String(bytes, 0, length, StandardCharsets.UTF_8);
  }

  /** Reads through the next '\n' into {@link #line}; returns the bytes consumed (0 at the end). */
  private long readLine() {
    try {
      long n = 0;
      for (int b; (b = in.read()) >= 0; ) {
        n++;
        if (b == '\n') {
          break;
        }
        line.write(b);
      }
      return n;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + range.url(), e);
    }
  }
}
