package io.metaflows3.core;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Reads the text lines of an {@link ObjectRange}. A range owns the lines that start inside it, so however an
 * object is cut, every line is read exactly once: a range not at the start of the object skips the line in
 * progress, and the last line owned is read to its end even past the range.
 */
public final class LineReader {
  private LineReader() {}

  /** Calls {@code sink} with each line (without its '\n' or "\r\n") that starts in {@code range}. */
  public static void forEachLine(S3 s3, ObjectRange range, Consumer<String> sink) {
    if (range.length() == 0) {
      return;
    }
    RangeStream raw = new RangeStream(s3, range.url(), range.size());
    long lineStart = range.start();
    try (InputStream in = new BufferedInputStream(raw, 1 << 16)) {
      if (range.start() > 0) {
        // The line holding byte start-1 belongs to the range before, unless that byte ends it.
        raw.seek(range.start() - 1);
        lineStart = range.start() - 1 + skipLine(in);
      }
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      while (lineStart < range.end()) {
        line.reset();
        long consumed = readLine(in, line);
        if (consumed == 0) {
          break;
        }
        sink.accept(decode(line));
        lineStart += consumed;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + range.url(), e);
    }
  }

  /** Reads through the next '\n'; returns the bytes consumed. */
  private static long skipLine(InputStream in) throws IOException {
    long n = 0;
    for (int b; (b = in.read()) >= 0; ) {
      n++;
      if (b == '\n') {
        break;
      }
    }
    return n;
  }

  private static long readLine(InputStream in, ByteArrayOutputStream line) throws IOException {
    long n = 0;
    for (int b; (b = in.read()) >= 0; ) {
      n++;
      if (b == '\n') {
        break;
      }
      line.write(b);
    }
    return n;
  }

  private static String decode(ByteArrayOutputStream line) {
    byte[] bytes = line.toByteArray();
    int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
    return new String(bytes, 0, length, StandardCharsets.UTF_8);
  }
}
