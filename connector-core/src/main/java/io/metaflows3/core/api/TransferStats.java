package io.metaflows3.core.api;

/**
 * Counters of one client's traffic at one moment, for logs, engine metrics and benchmarks: {@code requests} every
 * request sent, retries included; {@code retries} those sent again after a transient error.
 */
public record TransferStats(long requests, long retries, long listRequests, long getRequests, long bytesRead,
    long bytesWritten) {
  @Override
  public String toString() {
    return "requests=" + requests + " (list=" + listRequests + ", get=" + getRequests + "), retries=" + retries
        + ", bytesRead=" + bytesRead + ", bytesWritten=" + bytesWritten;
  }
}
