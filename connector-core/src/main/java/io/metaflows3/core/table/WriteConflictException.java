package io.metaflows3.core.table;

import io.metaflows3.core.metaflow.MetaflowS3Exception;

/**
 * An overwrite was not committed because another writer's commit, landed after the version the overwrite began
 * from, changed what it replaces (Delta's concurrent-modification conflicts): committing either would lose rows
 * or mix two overwrites. Nothing of the write is visible; running it again reads the table as it is now.
 */
public class WriteConflictException extends MetaflowS3Exception {
  private static final long serialVersionUID = 1L;
  private final long conflictingVersion;

  public WriteConflictException(String table, long baseVersion, long conflictingVersion, String by, String what) {
    super("the overwrite begun from version " + baseVersion + " was not committed: version " + conflictingVersion
        + " (by " + by + ") " + what + " since; nothing of this write is visible, run it again", table);
    this.conflictingVersion = conflictingVersion;
  }

  /** The version whose commit conflicted. */
  public long conflictingVersion() {
    return conflictingVersion;
  }
}
