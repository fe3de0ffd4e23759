package io.metaflows3.core.metaflow;

/**
 * The root of every error this library raises: unchecked, naming the URL involved (never a credential) and
 * keeping the cause. Subclasses say what went wrong, as metaflow.S3's exceptions do.
 */
public class MetaflowS3Exception extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String url;

  public MetaflowS3Exception(String message, String url, Throwable cause) {
    super(url == null ? message : message + ": " + url, cause);
    this.url = url;
  }

  public MetaflowS3Exception(String message, String url) {
    this(message, url, null);
  }

  /** The URL the failed operation was about, or null when it was about none in particular. */
  public String url() {
    return url;
  }
}
