package io.metaflows3.core.metaflow;

/** The object, prefix or bucket does not exist. */
public class MetaflowS3NotFound extends MetaflowS3Exception {
  private static final long serialVersionUID = 1L;

  public MetaflowS3NotFound(String message, String url, Throwable cause) {
    super(message, url, cause);
  }
}
