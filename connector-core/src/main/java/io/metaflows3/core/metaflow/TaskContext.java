package io.metaflows3.core.metaflow;

import java.io.Serializable;

/**
 * Where a piece of work runs: a run, a step, a task and its attempt. Objects written with a task context
 * carry it as user metadata, so their lineage survives copies that lose the URL.
 */
public record TaskContext(FlowRun run, String step, String taskId, int attempt) implements Serializable {
  public TaskContext {
    if (run == null) {
      throw new IllegalArgumentException("run is required");
    }
    if (attempt < 0) {
      throw new IllegalArgumentException("attempt must be >= 0, got " + attempt);
    }
  }

  public static TaskContext of(FlowRun run, String step, String taskId, int attempt) {
    return new TaskContext(run, step, taskId, attempt);
  }
}
