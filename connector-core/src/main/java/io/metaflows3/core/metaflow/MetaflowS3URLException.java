package io.metaflows3.core.metaflow;

/** A URL or key is malformed, or does not fit the client's context (e.g. a relative key without a root). */
public class MetaflowS3URLException extends MetaflowS3Exception {
  private static final long serialVersionUID = 1L;

  public MetaflowS3URLException(String message, String url) {
    super(message, url, null);
  }
}
