package io.metaflows3.core.metaflow;

/** The credentials in use may not do this (HTTP 403), or the signature did not match. */
public class MetaflowS3AccessDenied extends MetaflowS3Exception {
  private static final long serialVersionUID = 1L;

  public MetaflowS3AccessDenied(String message, String url, Throwable cause) {
    super(message, url, cause);
  }
}
