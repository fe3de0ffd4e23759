package io.metaflows3.core.transfer;

import java.io.IOException;

/** A response body ended before the length its headers announced; the request is retried. */
public final class TruncatedBodyException extends IOException {
  private static final long serialVersionUID = 1L;

  TruncatedBodyException(long expected, long received) {
    super("response body truncated: expected " + expected + " bytes, received " + received);
  }
}
