package io.metaflows3.core.api;

/** Options of the {@code get*} and {@code info*} calls. */
public enum GetOption {
  /** A missing object gives an {@link S3Object} with {@code exists() == false} instead of an exception. */
  RETURN_MISSING
}
