package io.metaflows3.hadoop;

import io.metaflows3.core.S3;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Bytes written to a local temp file, stored as one object when closed; a failed store loses no local data silently. */
final class SpooledObjectOutputStream extends OutputStream {
  private final S3 s3;
  private final String url;
  private final boolean overwrite;
  private final Path spool;
  private final OutputStream out;
  private boolean closed;

  SpooledObjectOutputStream(S3 s3, String url, boolean overwrite) throws IOException {
    this.s3 = s3;
    this.url = url;
    this.overwrite = overwrite;
    this.spool = Files.createTempFile(s3.tempDir(), "put-", ".spool");
    this.out = Files.newOutputStream(spool);
  }

  @Override
  public void write(int b) throws IOException {
    out.write(b);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    out.write(b, off, len);
  }

  @Override
  public void flush() throws IOException {
    out.flush();
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      out.close();
      MetaflowS3FileSystem.store(s3, url, spool, overwrite);
    } finally {
      Files.deleteIfExists(spool);
    }
  }
}
