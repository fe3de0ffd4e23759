package io.metaflows3.beam;

import io.metaflows3.core.LineReader;
import io.metaflows3.core.api.ObjectRange;
import io.metaflows3.core.RangeStream;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Settings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.util.function.Consumer;
import org.apache.beam.sdk.io.Compression;

/**
 * Emits the text lines that start in each range, claiming each line's start, so every line is read once
 * whatever the split, and a runner can split a range between any two lines. A compressed object (by Beam's
 * {@link Compression}: detected from its name, or as given) cannot be cut: the part at its start reads all of it,
 * decompressed, and its other parts emit nothing.
 */
final class ReadLinesFn extends ReadSplitFn<String> {
  private final Compression compression;
  private final byte[] delimiter;

  /** {@code delimiter}: what ends a line (null: {@code \n}, {@code \r} or {@code \r\n}, as TextIO's default). */
  ReadLinesFn(S3Settings settings, Compression compression, byte[] delimiter) {
    super(settings);
    this.compression = compression;
    this.delimiter = delimiter;
  }

  @Override
  boolean divisible() {
    return true;
  }

  @Override
  boolean read(S3 s3, ObjectRange range, Claim claim, Consumer<String> emit) {
    if (range.size() == 0) {
      return true; // an empty object holds no line, compressed or not (an empty .bz2 is no valid stream)
    }
    Compression c = compression == Compression.AUTO ? Compression.detect(range.url()) : compression;
    if (c == Compression.UNCOMPRESSED) {
      try (LineReader lines = new LineReader(s3, range, delimiter)) {
        for (long at; (at = lines.position()) < range.end(); ) {
          if (!claim.at(at)) {
            return false;
          }
          String line = lines.next();
          if (line == null) {
            break;
          }
          emit.accept(line);
        }
      }
    } else if (range.start() == 0) {
      if (!claim.at(0)) {
        return false;
      }
      try (InputStream in = Channels.newInputStream(c.readDecompressed(Channels.newChannel(
          new RangeStream(s3, range.url(), range.size(), range.etag()))))) {
        try (LineReader lines = LineReader.whole(range.url(), in, delimiter)) {
          for (String line; (line = lines.next()) != null; ) {
            emit.accept(line);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot decompress " + range.url() + " as " + c, e);
      }
    }
    return true;
  }
}
