package io.metaflows3.core;

import java.util.concurrent.atomic.AtomicLong;

/** Counters of one client's traffic, for logs, engine metrics and benchmarks. */
public final class TransferStats {
  final AtomicLong requests = new AtomicLong();
  final AtomicLong retries = new AtomicLong();
  final AtomicLong listRequests = new AtomicLong();
  final AtomicLong getRequests = new AtomicLong();
  final AtomicLong bytesRead = new AtomicLong();
  final AtomicLong bytesWritten = new AtomicLong();

  /** Every request sent, retries included. */
  public long requests() {
    return requests.get();
  }

  /** Requests sent again after a transient error. */
  public long retries() {
    return retries.get();
  }

  public long listRequests() {
    return listRequests.get();
  }

  public long getRequests() {
    return getRequests.get();
  }

  public long bytesRead() {
    return bytesRead.get();
  }

  public long bytesWritten() {
    return bytesWritten.get();
  }

  @Override
  public String toString() {
    return "requests=" + requests() + " (list=" + listRequests() + ", get=" + getRequests() + "), retries="
        + retries() + ", bytesRead=" + bytesRead() + ", bytesWritten=" + bytesWritten();
  }
}
