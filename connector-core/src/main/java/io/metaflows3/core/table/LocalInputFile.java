package io.metaflows3.core.table;

import io.delta.kernel.defaults.engine.fileio.InputFile;
import io.delta.kernel.defaults.engine.fileio.SeekableInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A local file as Kernel reads files: for a log file fetched whole by the client, and for a Parquet file a task
 * wrote, whose footer gives its statistics before it is stored.
 */
final class LocalInputFile implements InputFile {
  private final String name;
  private final Path file;
  private final Runnable onClose;

  /** {@code file}, named {@code name} (its URL) in Kernel's messages; {@code onClose} runs when a stream closes. */
  LocalInputFile(String name, Path file, Runnable onClose) {
    this.name = name;
    this.file = file;
    this.onClose = onClose;
  }

  @Override
  public long length() throws IOException {
    return Files.size(file);
  }

  @Override
  public String path() {
    return name;
  }

  @Override
  public SeekableInputStream newStream() throws IOException {
    FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
    return new SeekableInputStream() {
      @Override
      public long getPos() throws IOException {
        return channel.position();
      }

      @Override
      public void seek(long newPos) throws IOException {
        channel.position(newPos);
      }

      @Override
      public void readFully(byte[] b, int off, int len) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
        while (buffer.hasRemaining()) {
          if (channel.read(buffer) < 0) {
            throw new EOFException("end of " + name + " after " + (len - buffer.remaining()) + " of " + len
                + " bytes");
          }
        }
      }

      @Override
      public int read() throws IOException {
        ByteBuffer one = ByteBuffer.allocate(1);
        return channel.read(one) <= 0 ? -1 : one.get(0) & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        return len == 0 ? 0 : channel.read(ByteBuffer.wrap(b, off, len));
      }

      @Override
      public void close() throws IOException {
        try {
          channel.close();
        } finally {
          onClose.run();
        }
      }
    };
  }
}
