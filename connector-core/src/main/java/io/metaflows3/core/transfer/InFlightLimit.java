package io.metaflows3.core.transfer;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Keeps at most {@code limit} asynchronous tasks (requests, downloads) in flight; the rest wait in arrival
 * order. Never blocks a thread, so callbacks on the HTTP client's event loop may submit follow-up tasks
 * (e.g. the remaining byte ranges).
 */
public final class InFlightLimit {
  private final int limit;
  private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
  private int running;

  InFlightLimit(int limit) {
    this.limit = limit;
  }

  public <T> CompletableFuture<T> submit(Supplier<CompletableFuture<T>> request) {
    CompletableFuture<T> result = new CompletableFuture<>();
    Runnable start = () -> {
      CompletableFuture<T> sent;
      try {
        sent = request.get();
      } catch (RuntimeException e) {
        sent = CompletableFuture.failedFuture(e);
      }
      sent.whenComplete((value, error) -> {
        release();
        if (error != null) {
          result.completeExceptionally(error);
        } else {
          result.complete(value);
        }
      });
    };
    synchronized (this) {
      if (running >= limit) {
        waiting.add(start);
        return result;
      }
      running++;
    }
    start.run();
    return result;
  }

  private void release() {
    Runnable next;
    synchronized (this) {
      next = waiting.poll();
      if (next == null) {
        running--;
        return;
      }
    }
    next.run();
  }
}
