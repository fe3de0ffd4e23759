package io.metaflows3.core.api;

/** Options of the {@code put*} calls. */
public enum PutOption {
  /**
   * Never replace an existing object (metaflow's {@code overwrite=False}). The write is conditional
   * ({@code If-None-Match: *}), so of two racing writers exactly one stores its data; the other's call is a
   * no-op and its object is left out of the returned list.
   */
  NO_OVERWRITE
}
