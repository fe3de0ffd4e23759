package io.metaflows3.core.metaflow;

/** The temp folder's file system cannot hold what a call would download (metaflow's name for it). */
public class MetaflowS3InsufficientDiskSpace extends MetaflowS3Exception {
  private static final long serialVersionUID = 1L;

  public MetaflowS3InsufficientDiskSpace(String message, String url, Throwable cause) {
    super(message, url, cause);
  }
}
