package io.metaflows3.core.metaflow;

/** A byte range is negative, overflows, or starts past the end of the object (HTTP 416). */
public class MetaflowS3InvalidRange extends MetaflowS3Exception {
  private static final long serialVersionUID = 1L;

  public MetaflowS3InvalidRange(String message, String url, Throwable cause) {
    super(message, url, cause);
  }
}
