package io.metaflows3.core.transfer;

import io.metaflows3.core.api.TransferStats;
import java.util.concurrent.atomic.AtomicLong;

/** The live counters behind a client's {@link TransferStats}: only the engine counts. */
final class TransferCounters {
  final AtomicLong requests = new AtomicLong();
  final AtomicLong retries = new AtomicLong();
  final AtomicLong listRequests = new AtomicLong();
  final AtomicLong getRequests = new AtomicLong();
  final AtomicLong bytesRead = new AtomicLong();
  final AtomicLong bytesWritten = new AtomicLong();

  TransferStats snapshot() {
    return new TransferStats(requests.get(), retries.get(), listRequests.get(), getRequests.get(), bytesRead.get(),
        bytesWritten.get());
  }
}
