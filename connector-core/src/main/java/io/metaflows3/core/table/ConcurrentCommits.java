package io.metaflows3.core.table;

import io.delta.kernel.internal.DeltaLogActionUtils.DeltaAction;
import io.delta.kernel.internal.actions.AddFile;
import io.delta.kernel.internal.actions.CommitInfo;
import io.delta.kernel.internal.actions.RemoveFile;
import io.delta.kernel.internal.actions.SetTransaction;
import io.delta.kernel.internal.util.VectorUtils;
import io.metaflows3.core.metaflow.MetaflowS3Exception;
import java.io.IOException;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The commits that landed between the snapshot an overwrite began from and the one it commits on, judged as
 * Delta's default isolation (WriteSerializable) judges them. A blind append, by any writer, serializes after the
 * overwrite: its rows stay. Any other commit that removed a file the overwrite removes, or added a file to what it
 * replaces, is a conflict: committing would drop rows the overwrite never read, or keep rows beside another
 * overwrite's. Kernel states {@code isBlindAppend} false for every commit, so this library's appends say what
 * they are in their {@code engineInfo} ({@link #APPEND_ENGINE_INFO}); other writers' are known by the flag.
 */
final class ConcurrentCommits {
  /** The engine info of this library's appends (Kernel prefixes its own name and version). */
  static final String APPEND_ENGINE_INFO = "metaflow-s3-connectors (blind append)";

  /** What one commit did, as far as an overwrite cares. */
  private static final class Commit {
    String by = "an unnamed writer";
    boolean blindAppend;
    boolean removes;
    boolean ofThisWrite;
    boolean removedReplaced;
    boolean addedReplaced;
  }

  private ConcurrentCommits() {}

  /**
   * Fails with a {@link WriteConflictException} when a commit after {@code base} up to {@code read} conflicts
   * with an overwrite of {@code replaced} partitions (Delta's partition values) whose removes are
   * {@code removedPaths} (paths as the log states them). Commits of the write's own transactions do not count.
   */
  static void refuseConflicts(DeltaTable table, long base, long read, Predicate<Map<String, String>> replaced,
      Set<String> removedPaths, String writeId) {
    Map<Long, Commit> commits = new TreeMap<>();
    try {
      LogChange.forEach(table, base + 1, read, EnumSet.of(DeltaAction.ADD, DeltaAction.REMOVE,
          DeltaAction.COMMITINFO, DeltaAction.TXN), change -> {
            Commit commit = commits.computeIfAbsent(change.version(), v -> new Commit());
            AddFile add = change.add();
            if (add != null) {
              commit.addedReplaced |= replaced.test(VectorUtils.toJavaMap(add.getPartitionValues()));
            }
            RemoveFile remove = change.remove();
            if (remove != null) {
              commit.removes = true;
              commit.removedReplaced |= removedPaths.contains(remove.getPath());
            }
            CommitInfo info = change.commitInfo();
            if (info != null) {
              commit.by = info.getEngineInfo().orElse(commit.by);
              commit.blindAppend = info.getIsBlindAppend().orElse(false)
                  || info.getEngineInfo().filter(e -> e.endsWith("/" + APPEND_ENGINE_INFO)).isPresent();
            }
            SetTransaction txn = change.txn();
            if (txn != null) {
              commit.ofThisWrite |= txn.getAppId().equals(writeId) || txn.getAppId().startsWith(writeId + "/");
            }
          });
    } catch (MetaflowS3Exception e) {
      throw e; // the write's own refusal (a partition its filter cannot decide for)
    } catch (IOException | RuntimeException e) { // Kernel's, its engine's, a log it cannot parse
      throw new MetaflowS3Exception("cannot read the versions committed since version " + base + " began this "
          + "write (" + e.getMessage() + ")", table.root(), e);
    }
    commits.forEach((version, commit) -> {
      if (commit.ofThisWrite) {
        return;
      }
      if (commit.removedReplaced) {
        throw new WriteConflictException(table.root(), base, version, commit.by, "removed rows it replaces");
      }
      if (commit.addedReplaced && !(commit.blindAppend && !commit.removes)) {
        throw new WriteConflictException(table.root(), base, version, commit.by, "wrote rows into what it replaces");
      }
    });
  }
}
