package io.metaflows3.core.metaflow;

import java.io.Serializable;
import java.util.regex.Pattern;

/** One run of a flow: its data lives under {@code <s3root>/<flow>/<runId>/}. */
public record FlowRun(String flow, String runId) implements Serializable {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*");

  public FlowRun {
    check("flow name", flow);
    check("run id", runId);
  }

  public static FlowRun of(String flow, String runId) {
    return new FlowRun(flow, runId);
  }

  /** Parses {@code Flow/runId}, the form metaflow prints (its pathspec). */
  public static FlowRun parse(String pathspec) {
    int slash = pathspec == null ? -1 : pathspec.indexOf('/');
    if (slash < 0 || pathspec.indexOf('/', slash + 1) >= 0) {
      throw new IllegalArgumentException("expected Flow/runId, got '" + pathspec + "'");
    }
    return new FlowRun(pathspec.substring(0, slash), pathspec.substring(slash + 1));
  }

  /** The run's folder below a datatools root: {@code <flow>/<runId>/}. */
  public String folder() {
    return flow + "/" + runId + "/";
  }

  @Override
  public String toString() {
    return flow + "/" + runId;
  }

  private static void check(String what, String value) {
    if (value == null || !NAME.matcher(value).matches() || value.equals("..")) {
      throw new IllegalArgumentException("invalid " + what + " '" + value
          + "': use letters, digits, '_', '.', '-'");
    }
  }
}
