package io.metaflows3.core.table;

import io.delta.kernel.Snapshot;
import io.delta.kernel.internal.SnapshotImpl;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.GetOption;
import io.metaflows3.core.api.PutOption;
import io.metaflows3.core.api.S3Object;
import io.metaflows3.core.api.S3PutObject;
import io.metaflows3.core.api.S3Url;
import io.metaflows3.core.metaflow.MetaflowS3Exception;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Version 0 of a table's log, the one a write's beginning creates empty: dropping it when that creation must not
 * stand (a nested table found), and keeping it under a version 1 that a writer which read it committed meanwhile.
 * A version is never deleted once another may stand on it, so whichever of the two acts last puts it back.
 */
final class FirstVersion {
  private static final Logger LOG = LoggerFactory.getLogger(FirstVersion.class);
  private static final int PUT_BACK_TRIES = 5;

  private final S3 s3;
  /** The record's location (the table, or an objects record), ending with '/'. */
  private final String record;

  FirstVersion(S3 s3, String record) {
    this.s3 = s3;
    this.record = record;
  }

  /**
   * Deletes the log of a table a write just created, while it is still the empty version 0 (no write has
   * committed into it): a creation that must not stand leaves no table behind. A table with commits is left.
   */
  void dropIfEmpty(DeltaTable table) {
    Optional<Snapshot> now = table.latest();
    if (now.isPresent() && now.get().getVersion() == 0) {
      dropVersionZero(() -> { });
    }
  }

  /**
   * Deletes version 0's own files unless another version is there, then looks again: another writer may have
   * committed version 1 between the look and the delete, and its table must not lose its first version, so
   * version 0 is put back then (and one committing after the second look puts it back itself: {@link #keep}).
   * {@code afterDelete} runs between the delete and the second look (tests).
   */
  void dropVersionZero(Runnable afterDelete) {
    String versionZero = logFile(0, "");
    String logFolder = key(record + DeltaTable.LOG_FOLDER);
    List<S3Object> log = s3.listRecursive(List.of(logFolder));
    if (log.stream().anyMatch(o -> !o.url().startsWith(versionZero))) {
      return; // committed into meanwhile: the table stands
    }
    Map<String, byte[]> dropped = new LinkedHashMap<>();
    for (S3Object o : log) {
      dropped.put(o.url(), s3.get(key(o.url())).blob());
    }
    s3.deleteMany(dropped.keySet().stream().map(this::key).toList());
    afterDelete.run();
    if (s3.listRecursive(List.of(logFolder)).stream().anyMatch(o -> !o.url().startsWith(versionZero))) {
      List<S3PutObject> back = dropped.entrySet().stream()
          .map(e -> S3PutObject.of(key(e.getKey()), e.getValue())).toList();
      if (s3.putMany(back, PutOption.NO_OVERWRITE).size() < back.size()) {
        LOG.error("the Delta table {} was made anew while this write dropped it and another writer committed into "
            + "it: that writer's version 1 may not fit the new version 0", record);
      }
      LOG.warn("kept the Delta table {}: another writer committed into it while this write dropped it",
          record);
      return;
    }
    LOG.info("dropped the Delta table {} just created: another table was created inside or around it", record);
  }

  /** Version 0's commit file as read before a commit over it: its bytes and ETag. */
  record Read(byte[] bytes, String etag) {}

  /**
   * Version 0 as a commit over it reads it, when it is small enough to be the empty one a table's creator may
   * drop (schema, protocol and commit info; a table created with data has a version 0 its creator never drops),
   * else null. A table whose version 0 is gone since the snapshot read was dropped by its creator: nothing is
   * committed.
   */
  Read readUnder(Snapshot read) {
    if (read.getVersion() != 0) {
      return null;
    }
    String zeroKey = key(logFile(0, "json"));
    S3Object head = s3.info(zeroKey, GetOption.RETURN_MISSING);
    if (head.exists() && head.size() > droppableBytes(read)) {
      return null;
    }
    S3Object zero = head.exists() ? s3.get(zeroKey, GetOption.RETURN_MISSING) : head;
    if (!zero.exists()) {
      throw new MetaflowS3Exception("the Delta table was dropped by its creator since this write began: nothing "
          + "was committed; run the write again", record);
    }
    return new Read(zero.blob(), zero.etag().orElse(null));
  }

  /** The size up to which version 0 of a table may be an empty creation: its schema twice, and some. */
  private static long droppableBytes(Snapshot snapshot) {
    return (64L << 10) + 2L * ((SnapshotImpl) snapshot).getMetadata().getSchemaString().length();
  }

  /**
   * Puts version 0 back when a version 1 stands on it and it is gone: its creator dropped the table after this
   * commit read it (see {@link #dropVersionZero}). A version is never deleted once another may stand on it, so the
   * table stands, as committed. Tried a few times, backing off; if it cannot be put back, its content goes to the
   * error log for an operator to restore, and the error says whether this write's commit ({@code committed}) is
   * in version 1.
   */
  void keep(Read zero, boolean committed) {
    if (zero == null) {
      return;
    }
    String zeroKey = key(logFile(0, "json"));
    RuntimeException last = null;
    boolean kept = false;
    try {
      for (int attempt = 1; attempt <= PUT_BACK_TRIES && !kept; attempt++) {
        try {
          kept = putBack(zeroKey, zero);
        } catch (RuntimeException e) {
          last = e;
          Thread.sleep(ThreadLocalRandom.current().nextLong(100L << attempt, 200L << attempt));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      if (!kept) {
        LOG.error("version 0 of {} is gone under version 1 and could not be put back; restore {} with this "
            + "content:\n{}", record, logFile(0, "json"), new String(zero.bytes(), StandardCharsets.UTF_8));
      }
    }
    if (!kept) {
      String restore = "version 0 (dropped by its creator while version 1 was committed over it) could not be put "
          + "back: restore " + logFile(0, "json") + " from the error log";
      throw committed
          ? new MetaflowS3Exception("this write is committed as version 1, but " + restore + "; do not run the "
              + "write again", record, last)
          : new CommitOutcomeUnknownException(record, 1, new MetaflowS3Exception(restore, record,
              last));
    }
  }

  /** One try of {@link #keep}: true when version 0 stands (put back, or there) or nothing needs it. */
  private boolean putBack(String zeroKey, Read zero) {
    S3Object now = s3.info(zeroKey, GetOption.RETURN_MISSING);
    if (now.exists()) {
      if (zero.etag() != null && !zero.etag().equals(now.etag().orElse(null))
          && !Arrays.equals(zero.bytes(), s3.get(zeroKey).blob())) { // an encrypted put-back has another ETag
        LOG.error("version 0 of {} is not the one version 1 was committed over: the table was dropped and made "
            + "anew meanwhile", record);
      }
      return true;
    }
    if (!s3.info(key(logFile(1, "json")), GetOption.RETURN_MISSING).exists()) {
      return true; // no version stands on the dropped table
    }
    if (!s3.putMany(List.of(S3PutObject.of(zeroKey, zero.bytes())), PutOption.NO_OVERWRITE).isEmpty()) {
      LOG.warn("put version 0 of {} back: its creator dropped the table while a version 1 was committed over it",
          record);
      return true;
    }
    return false; // another put it there meanwhile: the next try compares it
  }

  /** The log file of {@code version} with {@code extension} (empty: the name's stem, ending with a dot). */
  private String logFile(long version, String extension) {
    return record + DeltaTable.LOG_FOLDER + String.format(Locale.ROOT, "%020d.", version) + extension;
  }

  private String key(String url) {
    return TableLog.keyFor(s3, S3Url.parse(url));
  }

  /** Whether the table is as a write's beginning creates it: version 0 alone, small, with no files. */
  boolean emptyAsCreated(DeltaTable table, Snapshot existing) {
    try {
      S3Object zero = s3.info(key(logFile(0, "json")), GetOption.RETURN_MISSING);
      return existing.getVersion() == 0 && zero.exists() && zero.size() <= droppableBytes(existing)
          && table.files(existing).isEmpty();
    } catch (RuntimeException e) {
      return false; // only a hint in an error message
    }
  }
}
