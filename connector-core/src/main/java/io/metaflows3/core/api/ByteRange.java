package io.metaflows3.core.api;

import io.metaflows3.core.metaflow.MetaflowS3InvalidRange;
import java.io.Serializable;

/**
 * A byte range to read: {@code length} bytes from {@code offset}, everything from {@code offset}
 * ({@link #from}), or the last {@code length} bytes ({@link #suffix}). Invalid ranges are refused here,
 * before any request is sent.
 */
public record ByteRange(long offset, long length, boolean isSuffix) implements Serializable {
  /** Length of a range that runs to the end of the object. */
  public static final long TO_END = -1;

  public ByteRange {
    if (isSuffix ? offset != 0 || length <= 0 : offset < 0 || (length != TO_END && length <= 0)) {
      throw new MetaflowS3InvalidRange("invalid byte range (offset " + offset + ", length " + length + ")", null, null);
    }
    if (length > 0 && offset > Long.MAX_VALUE - length) {
      throw new MetaflowS3InvalidRange("byte range overflows (offset " + offset + ", length " + length + ")", null, null);
    }
  }

  public static ByteRange of(long offset, long length) {
    return new ByteRange(offset, length, false);
  }

  public static ByteRange from(long offset) {
    return new ByteRange(offset, TO_END, false);
  }

  public static ByteRange suffix(long length) {
    return new ByteRange(0, length, true);
  }

  /** The HTTP Range header value for this range. */
  public String header() {
    if (isSuffix) {
      return "bytes=-" + length;
    }
    return length == TO_END ? "bytes=" + offset + "-" : "bytes=" + offset + "-" + (offset + length - 1);
  }
}
