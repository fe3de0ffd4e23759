package io.metaflows3.hadoop;

import io.metaflows3.core.metaflow.MetaflowS3AccessDenied;
import io.metaflows3.core.metaflow.MetaflowS3NotFound;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;

/** The client's typed, unchecked errors as the IOExceptions Hadoop callers handle (the cause kept). */
final class IoErrors {
  private IoErrors() {}

  static IOException of(RuntimeException error, String url) {
    Throwable e = error;
    while (e.getCause() != null && !(e instanceof io.metaflows3.core.metaflow.MetaflowS3Exception)) {
      e = e.getCause();
    }
    IOException io;
    if (e instanceof MetaflowS3NotFound) {
      io = new FileNotFoundException(url + ": " + e.getMessage());
    } else if (e instanceof MetaflowS3AccessDenied) {
      io = new AccessDeniedException(url, null, e.getMessage());
    } else {
      io = new IOException(url + ": " + e.getMessage());
    }
    io.initCause(error);
    return io;
  }
}
