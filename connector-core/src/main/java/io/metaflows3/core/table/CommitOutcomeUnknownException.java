package io.metaflows3.core.table;

import io.metaflows3.core.metaflow.MetaflowS3Exception;

/**
 * A commit was sent but its answer was lost, and the table's log could not be read afterwards to tell whether
 * it landed. Retrying the same write is safe: its transaction id makes a second commit of it a no-op.
 */
public class CommitOutcomeUnknownException extends MetaflowS3Exception {
  private static final long serialVersionUID = 1L;
  private final long version;

  public CommitOutcomeUnknownException(String table, long version, Throwable cause) {
    super("whether the commit of version " + version + " landed is unknown (its answer was lost and the log "
        + "could not be read); rerunning the same write commits it at most once", table, cause);
    this.version = version;
  }

  /** The version the lost commit tried to create. */
  public long version() {
    return version;
  }
}
