package io.metaflows3.core;

import java.io.IOException;
import org.apache.parquet.io.DelegatingSeekableInputStream;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;

/**
 * An S3 object as a Parquet {@link InputFile}: the footer and the column chunks a reader needs are fetched
 * by ranged GETs of one part each; the object is never downloaded whole.
 */
public final class S3InputFile implements InputFile {
  private final S3 s3;
  private final String url;
  private final long size;
  private final String etag;

  /**
   * {@code size} and {@code etag} come from a listing, so opening the file costs no HEAD, and every read is
   * pinned to that version (etag null: any).
   */
  public S3InputFile(S3 s3, String url, long size, String etag) {
    this.s3 = s3;
    this.url = url;
    this.size = size;
    this.etag = etag;
  }

  @Override
  public long getLength() {
    return size;
  }

  @Override
  public SeekableInputStream newStream() {
    RangeStream stream = new RangeStream(s3, url, size, etag);
    return new DelegatingSeekableInputStream(stream) {
      @Override
      public long getPos() {
        return stream.position();
      }

      @Override
      public void seek(long newPos) throws IOException {
        stream.seek(newPos);
      }
    };
  }

  @Override
  public String toString() {
    return url;
  }
}
