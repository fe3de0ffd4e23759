package io.metaflows3.core.api;

import io.metaflows3.core.metaflow.MetaflowS3URLException;

/** A request to get one object, or a byte range of it (metaflow's {@code S3GetObject(key, offset, length)}). */
public record S3GetObject(String key, ByteRange range) {
  public S3GetObject {
    if (key == null) {
      throw new MetaflowS3URLException("missing key", null);
    }
  }

  public static S3GetObject of(String key) {
    return new S3GetObject(key, null);
  }

  public static S3GetObject of(String key, long offset, long length) {
    return new S3GetObject(key, ByteRange.of(offset, length));
  }

  public static S3GetObject of(String key, ByteRange range) {
    return new S3GetObject(key, range);
  }
}
