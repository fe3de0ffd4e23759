package io.metaflows3.beam;

import io.metaflows3.core.LineReader;
import io.metaflows3.core.ObjectRange;
import io.metaflows3.core.RangeStream;
import io.metaflows3.core.S3;
import io.metaflows3.core.S3Settings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import org.apache.beam.sdk.io.Compression;

/**
 * Emits the text lines that start in each range, so every line is read once whatever the split. A compressed
 * object (by Beam's {@link Compression}: detected from its name, or as given) cannot be cut: the range at its
 * start reads all of it, decompressed, and its other ranges emit nothing.
 */
final class ReadLinesFn extends ReadSplitFn<String> {
  private final Compression compression;

  ReadLinesFn(S3Settings settings, Compression compression) {
    super(settings);
    this.compression = compression;
  }

  @Override
  void read(S3 s3, ObjectRange range, OutputReceiver<String> out) {
    Compression c = compression == Compression.AUTO ? Compression.detect(range.url()) : compression;
    if (c == Compression.UNCOMPRESSED) {
      emit(new LineReader(s3, range), out);
    } else if (range.start() == 0) {
      try (InputStream in = Channels.newInputStream(c.readDecompressed(Channels.newChannel(
          new RangeStream(s3, range.url(), range.size(), range.etag()))))) {
        emit(LineReader.whole(range.url(), in), out);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot decompress " + range.url() + " as " + c, e);
      }
    }
  }

  private static void emit(LineReader reader, OutputReceiver<String> out) {
    for (String line; (line = reader.next()) != null; ) {
      out.output(line);
    }
  }
}
