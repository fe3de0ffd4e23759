package io.metaflows3.core.metaflow;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The headers that say where an object came from, stored beside its user metadata when a client with a run (and a
 * task) writes it: {@code metaflow-flow}, {@code metaflow-run-id}, {@code metaflow-step}, {@code metaflow-task-id},
 * {@code metaflow-attempt}. metaflow's own client ignores them; they are only added, never required.
 */
public final class Lineage {
  public static final String FLOW = "metaflow-flow";
  public static final String RUN = "metaflow-run-id";
  public static final String STEP = "metaflow-step";
  public static final String TASK = "metaflow-task-id";
  public static final String ATTEMPT = "metaflow-attempt";
  private static final List<String> NAMES = List.of(FLOW, RUN, STEP, TASK, ATTEMPT);

  private Lineage() {}

  /** The lineage headers of a write by a client of {@code run} (or none) inside {@code task} (or none). */
  public static Map<String, String> headers(FlowRun run, TaskContext task) {
    Map<String, String> headers = new LinkedHashMap<>();
    if (run != null) {
      headers.put(FLOW, run.flow());
      headers.put(RUN, run.runId());
    }
    if (task != null) {
      headers.put(STEP, task.step());
      headers.put(TASK, task.taskId());
      headers.put(ATTEMPT, Integer.toString(task.attempt()));
    }
    return headers;
  }

  /** The lineage headers among an object's stored metadata, by name. */
  public static Map<String, String> of(Map<String, String> storedMetadata) {
    Map<String, String> lineage = new TreeMap<>();
    if (storedMetadata != null) {
      for (String name : NAMES) {
        if (storedMetadata.containsKey(name)) {
          lineage.put(name, storedMetadata.get(name));
        }
      }
    }
    return lineage;
  }
}
