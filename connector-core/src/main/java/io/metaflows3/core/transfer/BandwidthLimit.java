package io.metaflows3.core.transfer;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Paces a client's requests so that the bytes they move average at most {@code bytesPerSecond}: a request
 * starts only when the bytes reserved before it have had their time, and reserves its own. Bytes a request
 * moves beyond what it reserved (a GET of unknown size) are charged when it completes, delaying later
 * requests. Never blocks a thread: a paced request starts from a timer.
 */
public final class BandwidthLimit {
  /** No limit: every request starts at once. */
  public static final BandwidthLimit NONE = new BandwidthLimit(0, System::nanoTime);

  private static final CompletableFuture<Void> FREE = CompletableFuture.completedFuture(null);
  private final long bytesPerSecond;
  private final LongSupplier nanoClock;
  /** When the bytes reserved so far have had their time, on {@code nanoClock}'s scale. */
  private long freeAt;

  public BandwidthLimit(long bytesPerSecond, LongSupplier nanoClock) {
    this.bytesPerSecond = bytesPerSecond;
    this.nanoClock = nanoClock;
    this.freeAt = nanoClock.getAsLong();
  }

  public static BandwidthLimit of(long bytesPerSecond) {
    return bytesPerSecond <= 0 ? NONE : new BandwidthLimit(bytesPerSecond, System::nanoTime);
  }

  /** Reserves {@code bytes}; returns how long (ns) the request must wait before it starts. */
  public synchronized long reserve(long bytes) {
    if (bytesPerSecond <= 0) {
      return 0;
    }
    long now = nanoClock.getAsLong();
    long start = Math.max(now, freeAt);
    freeAt = start + nanosFor(bytes);
    return start - now;
  }

  /** Charges {@code bytes} moved beyond a reservation, so requests after it wait for them. */
  public synchronized void charge(long bytes) {
    if (bytesPerSecond > 0 && bytes > 0) {
      freeAt = Math.max(nanoClock.getAsLong(), freeAt) + nanosFor(bytes);
    }
  }

  /** Completes when a request of {@code bytes} may start (at once without a limit). */
  public CompletableFuture<Void> whenFree(long bytes) {
    if (bytesPerSecond <= 0) {
      return FREE;
    }
    long wait = reserve(bytes);
    return wait <= 0 ? CompletableFuture.completedFuture(null)
        : CompletableFuture.runAsync(() -> {}, CompletableFuture.delayedExecutor(wait, TimeUnit.NANOSECONDS));
  }

  private long nanosFor(long bytes) {
    return (long) (bytes * 1e9 / bytesPerSecond);
  }
}
