package io.metaflows3.core.transfer;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The requests one engine task sends, told apart from the rest of a shared client's traffic (tasks running side
 * by side in one executor share its client): while a task's scope is open on its thread, every request that
 * thread sends counts here, with its retries and the requests that follow from it on the client's own threads
 * (the rest of a multipart upload, say).
 */
public final class TaskRequests {
  private static final ThreadLocal<TaskRequests> CURRENT = new ThreadLocal<>();

  final AtomicLong requests = new AtomicLong();
  final AtomicLong retries = new AtomicLong();

  /** A scope on this thread; closing it ends the counting here. */
  public interface Scope extends AutoCloseable {
    @Override
    void close();
  }

  /** Counts the requests this thread sends until the scope closes (scopes nest). */
  public Scope open() {
    TaskRequests outer = CURRENT.get();
    CURRENT.set(this);
    return () -> CURRENT.set(outer);
  }

  /** The task counting this thread's requests, or null. */
  public static TaskRequests current() {
    return CURRENT.get();
  }

  /** Runs {@code action} (the completion of a task's request) with {@code task}'s scope open. */
  public static void runAs(TaskRequests task, Runnable action) {
    if (task == null) {
      action.run();
      return;
    }
    try (Scope scope = task.open()) {
      action.run();
    }
  }

  /** Requests sent, retries included. */
  public long requests() {
    return requests.get();
  }

  /** Requests sent again after a transient error. */
  public long retries() {
    return retries.get();
  }
}
