package io.metaflows3.core.api;

import java.util.concurrent.atomic.AtomicLong;

/** Counters of one client's traffic, for logs, engine metrics and benchmarks. */
public final class TransferStats {
  public final AtomicLong requests = new AtomicLong();
  public final AtomicLong retries = new AtomicLong();
  public final AtomicLong listRequests = new AtomicLong();
  public final AtomicLong getRequests = new AtomicLong();
  public final AtomicLong bytesRead = new AtomicLong();
  public final AtomicLong bytesWritten = new AtomicLong();

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
