package io.metaflows3.core;

import io.metaflows3.core.S3;
import io.metaflows3.core.api.ObjectRange;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Reads the text lines of an {@link ObjectRange}, one at a time, split as Beam's {@code TextIO} splits them: by
 * default at {@code \n}, {@code \r} or {@code \r\n}, or at a delimiter of the caller's; a UTF-8 byte order mark
 * at the start of the object is dropped. A range owns the lines that start inside it, so however an object is
 * cut, every line is read exactly once: a range not at the start of the object skips the line in progress, and the
 * last line it owns is read to its end, even past the range.
 */
public final class LineReader implements AutoCloseable {
  private static final byte[] BYTE_ORDER_MARK = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
  private final ObjectRange range;
  private final InputStream in;
  private final byte[] delimiter;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private long lineStart;

  /** A reader of the lines starting in {@code range}; holds at most one part of the object in memory. */
  public LineReader(S3 s3, ObjectRange range) {
    this(s3, range, null);
  }

  /**
   * A reader of the lines starting in {@code range}, ended by {@code delimiter} (null: {@code \n}, {@code \r} or
   * {@code \r\n}).
   */
  public LineReader(S3 s3, ObjectRange range, byte[] delimiter) {
    this.range = range;
    this.delimiter = checked(delimiter);
    RangeStream raw = new RangeStream(s3, range.url(), range.size(), range.etag()).readAheadBelow(range.end());
    this.in = new BufferedInputStream(raw, 1 << 16);
    this.lineStart = range.start();
    if (range.start() > 0 && range.length() > 0) {
      // The line holding the bytes before start belongs to the range before, unless a line end ends just there:
      // read from far enough back to see a delimiter (or a "\r\n") that ends at start or across it.
      long back = Math.min(range.start(), this.delimiter == null ? 1 : this.delimiter.length);
      raw.seek(range.start() - back);
      lineStart = range.start() - back + readLine();
    }
  }

  private LineReader(String name, InputStream in, byte[] delimiter) {
    this.range = new ObjectRange(name, Long.MAX_VALUE, null, 0, Long.MAX_VALUE, null);
    this.in = new BufferedInputStream(in, 1 << 16);
    this.delimiter = checked(delimiter);
  }

  /**
   * A reader of every line of {@code in} (a decompressed object, which cannot be cut into ranges), split as a
   * range's lines are; {@code name} names it in errors. Closing the reader closes {@code in}.
   */
  public static LineReader whole(String name, InputStream in, byte[] delimiter) {
    return new LineReader(name, in, delimiter);
  }

  private static byte[] checked(byte[] delimiter) {
    if (delimiter != null && delimiter.length == 0) {
      throw new IllegalArgumentException("a line delimiter needs at least one byte");
    }
    if (delimiter != null && selfOverlapping(delimiter)) {
      // Where a range is cut inside a run of such delimiters, the two sides would tell its lines apart differently.
      throw new IllegalArgumentException("a line delimiter must not overlap itself (a start of it that is also "
          + "an end of it, as in \"\\n\\n\"), as TextIO requires");
    }
    return delimiter == null ? null : delimiter.clone();
  }

  /** Whether some proper prefix of the delimiter is also a suffix of it. */
  public static boolean selfOverlapping(byte[] delimiter) {
    for (int length = 1; length < delimiter.length; length++) {
      if (java.util.Arrays.equals(delimiter, 0, length, delimiter, delimiter.length - length, delimiter.length)) {
        return true;
      }
    }
    return false;
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

  /** The next line owned by the range, without its line end; null when there is none. */
  public String next() {
    if (lineStart >= range.end()) {
      return null;
    }
    line.reset();
    long start = lineStart;
    long consumed = readLine();
    if (consumed == 0) {
      return null;
    }
    lineStart += consumed;
    byte[] bytes = line.toByteArray();
    int from = start == 0 && startsWithByteOrderMark(bytes) ? BYTE_ORDER_MARK.length : 0;
    return new String(bytes, from, bytes.length - from, StandardCharsets.UTF_8);
  }

  private static boolean startsWithByteOrderMark(byte[] bytes) {
    return bytes.length >= 3 && bytes[0] == BYTE_ORDER_MARK[0] && bytes[1] == BYTE_ORDER_MARK[1]
        && bytes[2] == BYTE_ORDER_MARK[2];
  }

  /** Reads through the next line end into {@link #line} (without it); returns the bytes consumed (0 at the end). */
  private long readLine() {
    try {
      return delimiter == null ? readToLineEnd() : readToDelimiter();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + range.url(), e);
    }
  }

  private long readToLineEnd() throws IOException {
    long n = 0;
    for (int b; (b = in.read()) >= 0; ) {
      n++;
      if (b == '\n') {
        break;
      }
      if (b == '\r') {
        in.mark(1);
        if (in.read() == '\n') {
          n++;
        } else {
          in.reset();
        }
        break;
      }
      line.write(b);
    }
    return n;
  }

  private long readToDelimiter() throws IOException {
    long n = 0;
    int matched = 0; // bytes of the delimiter just read, held back from the line until it is known
    for (int b; (b = in.read()) >= 0; ) {
      n++;
      while (matched > 0 && b != (delimiter[matched] & 0xFF)) {
        // Not the delimiter after all: give the held bytes' first one to the line and match again from the next.
        line.write(delimiter[0]);
        int shift = 1;
        while (shift < matched && !prefixAt(shift, matched)) {
          line.write(delimiter[shift]);
          shift++;
        }
        matched -= shift;
      }
      if (b == (delimiter[matched] & 0xFF)) {
        if (++matched == delimiter.length) {
          return n;
        }
      } else {
        line.write(b);
      }
    }
    line.write(delimiter, 0, matched); // the object ended inside a partial delimiter: those bytes are text
    return n;
  }

  /** Whether the delimiter's bytes [shift, matched) are its first bytes (a shorter match still under way). */
  private boolean prefixAt(int shift, int matched) {
    for (int i = shift; i < matched; i++) {
      if (delimiter[i] != delimiter[i - shift]) {
        return false;
      }
    }
    return true;
  }
}
