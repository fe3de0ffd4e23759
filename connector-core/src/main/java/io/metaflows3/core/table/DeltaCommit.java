package io.metaflows3.core.table;

import io.delta.kernel.Operation;
import io.delta.kernel.Snapshot;
import io.delta.kernel.Transaction;
import io.delta.kernel.TransactionBuilder;
import io.delta.kernel.TransactionCommitResult;
import io.delta.kernel.data.Row;
import io.delta.kernel.engine.Engine;
import io.delta.kernel.exceptions.CommitStateUnknownException;
import io.delta.kernel.exceptions.ConcurrentTransactionException;
import io.delta.kernel.exceptions.ConcurrentWriteException;
import io.delta.kernel.exceptions.KernelEngineException;
import io.delta.kernel.exceptions.KernelException;
import io.delta.kernel.exceptions.MaxCommitRetryLimitReachedException;
import io.delta.kernel.hook.PostCommitHook;
import io.delta.kernel.internal.DeltaLogActionUtils.DeltaAction;
import io.delta.kernel.internal.InternalScanFileUtils;
import io.delta.kernel.internal.SnapshotImpl;
import io.delta.kernel.internal.actions.AddFile;
import io.delta.kernel.internal.actions.SetTransaction;
import io.delta.kernel.internal.actions.SingleAction;
import io.delta.kernel.internal.data.TransactionStateRow;
import io.delta.kernel.internal.fs.Path;
import io.delta.kernel.internal.util.InternalUtils;
import io.delta.kernel.internal.util.Utils;
import io.delta.kernel.internal.util.VectorUtils;
import io.delta.kernel.statistics.DataFileStatistics;
import io.delta.kernel.types.StructType;
import io.delta.kernel.utils.CloseableIterable;
import io.metaflows3.core.metaflow.MetaflowS3Exception;
import io.metaflows3.core.S3;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits a write's data files as the next version of a Delta table, through Delta Kernel, exactly once. The
 * write's transaction id (Delta's {@code txn} action: an application id and a version) goes into the commit,
 * so a commit re-executed by a retried bundle, a restarted job or a retried stage finds it and commits nothing.
 * Kernel is asked never to retry on its own: on a lost race or a lost answer this reads the newest snapshot,
 * where its own transaction, if it landed, settles the question, and plans again. An overwrite removes what it
 * replaces in the snapshot the write began from, unless a commit since conflicts ({@link ConcurrentCommits}).
 * Removes are logical: nothing is deleted here (see {@link Vacuum}).
 */
final class DeltaCommit {
  private static final Logger LOG = LoggerFactory.getLogger(DeltaCommit.class);
  private static final String ENGINE_INFO = "metaflow-s3-connectors";
  private static final int MAX_TRIES = 100;
  /** Tries to turn column mapping on (each lost only to another commit, or failing for good). */
  private static final int COLUMN_MAPPING_TRIES = 5;

  private final TableWrite write;
  private final DeltaTable table;
  private final FirstVersion first;
  private final Engine engine;
  private final S3 s3;

  DeltaCommit(TableWrite write, S3 s3) {
    this.s3 = s3;
    this.write = write;
    this.table = DeltaTable.at(s3, write.record());
    this.first = new FirstVersion(s3, write.record());
    this.engine = table.engine();
  }

  /**
   * What a commit did: the version it made, or ({@code earlier}) the version that held its transaction already;
   * for an earlier one, the URLs of the files that version added (a fresh commit's are the files it was given).
   */
  record Outcome(long version, boolean earlier, List<String> earlierUrls) {}

  /**
   * Commits {@code files} under transaction {@code txn} unless the table holds its application id at its version or
   * a later one; returns the version it became or that holds the transaction.
   * {@code afterVersion} runs once the version exists, before Kernel's checkpoint (crash tests stop there).
   */
  Outcome commit(List<WrittenObject> files, TableWrite.Transaction txn, Runnable afterVersion) {
    long tried = -1;
    RuntimeException lastFailure = null;
    for (int attempt = 1; ; attempt++) {
      Optional<Snapshot> read;
      boolean landed;
      try {
        read = table.latest();
        landed = read.isPresent() && table.transactionVersion(read.get(), txn.appId())
            .filter(version -> version >= txn.version()).isPresent();
      } catch (RuntimeException e) {
        if (tried >= 0) {
          throw new CommitOutcomeUnknownException(write.record(), tried, e); // the log cannot settle it
        }
        throw e;
      }
      if (landed) {
        return committedEarlier(read.get().getVersion(), txn);
      }
      if (attempt > MAX_TRIES) {
        throw new MetaflowS3Exception("could not commit after " + MAX_TRIES + " tries (concurrent commits took "
            + "each version first)", write.record(), lastFailure);
      }
      if (read.isEmpty()) {
        // Kernel would create the table anew, past the checks a write's beginning makes (a table nested in another).
        throw new MetaflowS3Exception("the Delta table was deleted since this write began (its log is gone): "
            + "nothing was committed; run the write again", write.record());
      }
      checkFits(read.get());
      refuseRecreated(read.get());
      long readVersion = read.get().getVersion();
      FirstVersion.Read zero = first.readUnder(read.get());
      if (added(read.get()).isPresent() && PhysicalNames.mode(read.get()).equals("none")) {
        if (attempt > COLUMN_MAPPING_TRIES) {
          throw new MetaflowS3Exception("cannot turn on column mapping, which adding columns needs (tried "
              + COLUMN_MAPPING_TRIES + " times)", write.record(), lastFailure);
        }
        lastFailure = turnOnColumnMapping();
        first.keep(zero, false);
        sleepJittered(attempt);
        continue;
      }
      Transaction transaction;
      try {
        transaction = builder(read, txn).build(engine);
      } catch (ConcurrentTransactionException e) {
        continue; // the transaction landed after the snapshot read: the next round finds the version holding it
      }
      if (transaction.getReadTableVersion() != readVersion) {
        sleepJittered(attempt); // a commit landed since the snapshot the removes would come from: plan again
        continue;
      }
      List<Row> actions = new ArrayList<>(removes(read.get(), files));
      actions.addAll(adds(transaction.getTransactionState(engine), files));
      tried = readVersion + 1;
      try {
        TransactionCommitResult result = transaction.commit(engine,
            CloseableIterable.inMemoryIterable(Utils.toCloseableIterator(actions.iterator())));
        afterVersion.run();
        first.keep(zero, true);
        runHooks(result);
        return new Outcome(result.getVersion(), false, List.of());
      } catch (ConcurrentTransactionException e) {
        return committedEarlier(tried, txn);
      } catch (ConcurrentWriteException | MaxCommitRetryLimitReachedException | CommitStateUnknownException
          | KernelEngineException | UncheckedIOException e) {
        // Another writer took the version, or the answer was lost: the log tells which on the next round.
        first.keep(zero, false);
        LOG.info("commit of {} as version {} of {} did not land or was not confirmed ({}): reading the log again",
            txn, tried, write.record(), e.getMessage());
        lastFailure = e;
        sleepJittered(attempt);
      } catch (KernelException e) {
        throw new MetaflowS3Exception("Delta Kernel refused the commit: " + e.getMessage(), write.record(), e);
      }
    }
  }

  /**
   * The version a write begins from, the id Delta gave the table (a table made anew where one was, after its log
   * was deleted, has another), and whether beginning the write created the table (as its empty version 0).
   */
  record Base(long version, String tableId, boolean created) {}

  /**
   * Creates the table, empty, with the write's layout, unless it exists: from then on readers of the location read
   * its log, so files the write's tasks store are invisible until its commit names them. Losing the race to
   * another writer's creation is fine. Returns what the write begins from.
   */
  Base createIfAbsent() {
    Optional<Snapshot> existing = table.latest();
    if (existing.isPresent()) {
      checkFits(existing.get());
      return base(existing.get(), false);
    }
    boolean created = false;
    try {
      builder(Optional.empty(), null).build(engine).commit(engine, CloseableIterable.emptyIterable());
      LOG.info("created Delta table {} with columns {} partitioned by {}", write.record(),
          write.recordLayout().schema().fieldNames(), write.recordLayout().partitionColumns());
      created = true;
    } catch (KernelException | UncheckedIOException e) {
      if (table.latest().isEmpty()) {
        throw new MetaflowS3Exception("cannot create the Delta table (" + e.getMessage() + ")", write.record(), e);
      }
    }
    try {
      Snapshot now = table.latest().orElseThrow(() -> new MetaflowS3Exception("the Delta table was deleted while "
          + "the write began", write.record()));
      checkFits(now);
      return base(now, created);
    } catch (RuntimeException e) {
      if (created) {
        dropIfEmpty(); // a creation whose write cannot begin leaves no table behind
      }
      throw e;
    }
  }

  private static Base base(Snapshot snapshot, boolean created) {
    return new Base(snapshot.getVersion(), ((SnapshotImpl) snapshot).getMetadata().getId(), created);
  }

  /** Drops the table this write just created while it is still empty (see {@link FirstVersion#dropIfEmpty}). */
  void dropIfEmpty() {
    first.dropIfEmpty(table);
  }

  /**
   * The outcome of a commit whose transaction a snapshot up to {@code foundIn} holds: the version that holds it
   * and the URLs of the files that version added, read from the commits since the write began (a re-executed
   * commit reports what the first one committed, not what it was given this time). A transaction the table held
   * before the write began, or at a later version than this write's (another run's), or a log that no longer
   * holds those commits gives {@code foundIn} and no URLs.
   */
  private Outcome committedEarlier(long foundIn, TableWrite.Transaction txn) {
    if (foundIn <= write.baseVersion()) {
      LOG.info("write {} was committed to {} before this write began: nothing to commit", txn, write.record());
      return new Outcome(foundIn, true, List.of());
    }
    try {
      // The transactions first (small rows), then the adds of the one version that holds this write's.
      Long[] holding = {null};
      LogChange.forEach(table, write.baseVersion() + 1, foundIn, EnumSet.of(DeltaAction.TXN), change -> {
        SetTransaction found = change.txn();
        if (found != null && found.getAppId().equals(txn.appId()) && found.getVersion() == txn.version()
            && holding[0] == null) {
          holding[0] = change.version();
        }
      });
      if (holding[0] == null) {
        LOG.info("write {} was committed to {} by another run, at a later version: nothing to commit", txn,
            write.record());
        return new Outcome(foundIn, true, List.of());
      }
      List<String> urls = new ArrayList<>();
      LogChange.forEach(table, holding[0], holding[0], EnumSet.of(DeltaAction.ADD), change -> {
        AddFile add = change.add();
        if (add != null) {
          urls.add(table.fileUrl(add.getPath()));
        }
      });
      LOG.info("write {} was committed to {} before, as version {}: nothing to commit again", txn, write.record(),
          holding[0]);
      return new Outcome(holding[0], true, urls);
    } catch (IOException | RuntimeException e) {
      LOG.warn("write {} was committed to {} before (found at version {}), but the commits since it began cannot "
          + "be read ({}): its files are not reported again", txn, write.record(), foundIn, e.getMessage());
      return new Outcome(foundIn, true, List.of());
    }
  }

  /**
   * Refuses a table the write cannot go into: one whose files name columns otherwise than its schema (the write's
   * files would name them by the schema), or of another layout; with mergeSchema, one whose columns the data's
   * cannot be merged into, or that cannot take new columns.
   */
  private void checkFits(Snapshot existing) {
    PhysicalNames.refuseMapped(existing, write.record());
    TableLayout layout = DeltaTable.layout(existing);
    boolean fits = write.mergeSchema()
        ? write.recordLayout().mergedInto(existing.getSchema(), existing.getPartitionColumnNames()).isPresent()
        : write.recordLayout().fits(layout);
    if (!fits) {
      throw new MetaflowS3Exception("the data does not fit the Delta table: it has columns "
          + write.recordLayout().schema().fieldNames() + " partitioned by " + write.recordLayout().partitionColumns()
          + ", the table " + layout.schema().fieldNames() + " partitioned by " + layout.partitionColumns()
          + (write.mergeSchema() ? " (the same partition columns, and the same types where both have a column)"
              : " (the same partition columns and types; mergeSchema adds columns the table lacks)")
          + "; the table is as of version " + existing.getVersion() + ", which may have changed since the write "
          + "began" + (first.emptyAsCreated(table, existing) ? "; it holds no rows (made by a write that "
          + "failed?): deleting its " + DeltaTable.LOG_FOLDER + " folder begins it anew" : ""), write.table());
    }
    if (added(existing).isPresent()) {
      PhysicalNames.refuseUnlessAddable(existing, write.record());
    }
  }

  /**
   * Refuses to commit an overwrite into another table than the one it began in (the log deleted and made anew
   * meanwhile): what it replaces was taken from the version it began from, which the new table does not have.
   */
  private void refuseRecreated(Snapshot read) {
    String id = ((SnapshotImpl) read).getMetadata().getId();
    if (write.mode() != TableWrite.Mode.APPEND && write.tableId() != null && !write.tableId().equals(id)) {
      throw new MetaflowS3Exception("the Delta table was made anew since this overwrite began (its log was "
          + "deleted?): nothing was committed; run the write again", write.record());
    }
  }

  /**
   * The table's schema with the columns it lacks added, when the write merges schemas and the data has such
   * columns; else empty.
   */
  private Optional<StructType> added(Snapshot existing) {
    if (!write.mergeSchema()) {
      return Optional.empty();
    }
    return write.recordLayout().mergedInto(existing.getSchema(), existing.getPartitionColumnNames())
        .filter(merged -> merged.length() > existing.getSchema().length());
  }

  /**
   * Before the commit of a write that adds columns: Kernel changes a schema only with column mapping on, so it is
   * turned on as a version of its own (mode name: every column keeps its name as its physical name, see
   * {@link PhysicalNames}; readers of Delta's reader version 1 can no longer read the table). Returns why it did
   * not land, or null: the caller reads the log again, which tells whether another commit turned it on.
   */
  private RuntimeException turnOnColumnMapping() {
    try {
      TransactionCommitResult result = table.kernelTable()
          .createTransactionBuilder(engine, ENGINE_INFO, Operation.MANUAL_UPDATE)
          .withTableProperties(engine, Map.of(PhysicalNames.MODE, "name"))
          .build(engine).commit(engine, CloseableIterable.emptyIterable());
      LOG.info("turned on column mapping (by name) in {} at version {}, to add columns", write.record(),
          result.getVersion());
      runHooks(result);
      return null;
    } catch (RuntimeException e) { // a lost race, a lost answer, or Kernel's refusal: the log tells which
      LOG.warn("turning on column mapping in {} did not land ({}): reading the log again", write.record(),
          e.getMessage());
      return e;
    }
  }

  private TransactionBuilder builder(Optional<Snapshot> read, TableWrite.Transaction txn) {
    // An append says so in its engine info: Kernel states no commit a blind append (see ConcurrentCommits).
    String engineInfo = txn != null && write.mode() == TableWrite.Mode.APPEND
        ? ConcurrentCommits.APPEND_ENGINE_INFO : ENGINE_INFO;
    TransactionBuilder builder = table.kernelTable().createTransactionBuilder(engine, engineInfo,
        read.isPresent() ? Operation.WRITE : Operation.CREATE_TABLE);
    if (read.isEmpty()) {
      builder = builder.withSchema(engine, write.recordLayout().schema())
          .withPartitionColumns(engine, write.recordLayout().partitionColumns());
    } else {
      Optional<StructType> added = added(read.get());
      if (added.isPresent()) {
        builder = builder.withSchema(engine, added.get());
      }
    }
    builder = builder.withMaxRetries(0);
    return txn == null ? builder : builder.withTransactionId(engine, txn.appId(), txn.version());
  }

  /**
   * What the write's mode removes: nothing for an append; else the files of what it replaces in the snapshot the
   * write began from, once the commits since then are found not to conflict with it ({@link ConcurrentCommits}):
   * an append that landed meanwhile keeps its rows, as with Delta's own writers.
   */
  private List<Row> removes(Snapshot read, List<WrittenObject> files) {
    if (write.mode() == TableWrite.Mode.APPEND) {
      return List.of();
    }
    long readVersion = read.getVersion();
    long baseVersion = write.baseVersion();
    if (baseVersion > readVersion) {
      throw new MetaflowS3Exception("the Delta log ends at version " + readVersion + ", before version " + baseVersion
          + " this write began from (was the log deleted?): nothing was committed", write.record());
    }
    Snapshot base = baseVersion == readVersion ? read : table.asOfVersion(baseVersion);
    Predicate<Map<String, String>> replaced = replaced(base, files);
    long now = System.currentTimeMillis();
    List<Row> removes = new ArrayList<>();
    Set<String> paths = new HashSet<>();
    table.forEachScanFile(base, Optional.empty(), row -> {
      if (replaced.test(InternalScanFileUtils.getPartitionValues(row))) {
        AddFile add = new AddFile(row.getStruct(InternalScanFileUtils.ADD_FILE_ORDINAL));
        paths.add(add.getPath());
        removes.add(SingleAction.createRemoveFileSingleAction(add.toRemoveFileRow(true, Optional.of(now))));
      }
    });
    if (readVersion > baseVersion) {
      ConcurrentCommits.refuseConflicts(table, baseVersion, readVersion, replaced, paths, write.writeId());
    }
    return removes;
  }

  /**
   * Which partitions (by the values Delta states) the write replaces: all, those it writes to, or those its
   * filter is true for. A partition the filter cannot decide for (a value of a type it cannot compare) fails the
   * commit: replacing too much loses rows, too little keeps stale ones.
   */
  private Predicate<Map<String, String>> replaced(Snapshot base, List<WrittenObject> files) {
    if (write.mode() == TableWrite.Mode.OVERWRITE || write.recordLayout().partitionColumns().isEmpty()) {
      return values -> true;
    }
    if (write.mode() == TableWrite.Mode.OVERWRITE_WHERE) {
      DeltaPartitions partitions = new DeltaPartitions(DeltaTable.layout(base), write.zone());
      return values -> {
        PartitionFilter.Truth truth = write.replaced().evaluate(partitions.typed(values), write.zone());
        if (truth == PartitionFilter.Truth.UNKNOWN) {
          throw new MetaflowS3Exception("cannot tell whether partition " + values + " is among those replaced ("
              + write.replaced() + ")", write.record());
        }
        return truth == PartitionFilter.Truth.TRUE;
      };
    }
    Set<String> timestamps = new HashSet<>();
    write.recordLayout().schema().fields().stream()
        .filter(f -> f.getDataType() instanceof io.delta.kernel.types.TimestampType)
        .forEach(f -> timestamps.add(f.getName().toLowerCase(Locale.ROOT)));
    Set<Map<String, String>> written = new HashSet<>();
    files.forEach(f -> written.add(comparable(f.partitionValues(), timestamps)));
    return values -> written.contains(comparable(values, timestamps));
  }

  /**
   * Partition values in a form equal for equal values whichever writer stated them: column names in lower case,
   * timestamps as their instant in microseconds (Delta allows several texts of one instant), "" as null, others as
   * given.
   */
  private static Map<String, String> comparable(Map<String, String> values, Set<String> timestampColumns) {
    Map<String, String> normal = new HashMap<>();
    values.forEach((column, value) -> {
      boolean timestamp = timestampColumns.contains(column.toLowerCase(Locale.ROOT));
      // Delta states null and "" alike (a missing value): both are null here.
      normal.put(column.toLowerCase(Locale.ROOT), value == null || value.isEmpty() ? null : !timestamp ? value
          : Long.toString(io.delta.kernel.internal.util.PartitionUtils.tryParseTimestamp(value)));
    });
    return normal;
  }

  /** The partition values of a file under the table's own column names (Delta readers look them up as named). */
  private Map<String, String> asNamed(Map<String, String> values, List<String> columns, WrittenObject f) {
    Map<String, String> named = new HashMap<>();
    for (String column : columns) {
      String given = values.keySet().stream().filter(k -> k.equalsIgnoreCase(column)).findFirst()
          .orElseThrow(() -> new MetaflowS3Exception("data file has partition values of " + values.keySet()
              + ", the table is partitioned by " + write.recordLayout().partitionColumns(), write.table() + f.key()));
      named.put(column, values.get(given));
    }
    return named;
  }

  /** An {@code add} action per file: its path relative to the table (URI-encoded), partition values, size, statistics. */
  private List<Row> adds(Row state, List<WrittenObject> files) {
    StructType physical = TransactionStateRow.getPhysicalSchema(state);
    URI root = new Path(TransactionStateRow.getTablePath(state)).toUri();
    List<String> columns = TransactionStateRow.getPartitionColumnsList(state);
    StructType data = write.recordLayout().dataSchema(); // parsed once, not per file
    long now = System.currentTimeMillis();
    List<Row> adds = new ArrayList<>();
    for (WrittenObject f : files) {
      if (f.partitionValues().size() != write.recordLayout().partitionColumns().size()) {
        throw new MetaflowS3Exception("data file has partition values of " + f.partitionValues().keySet()
            + ", the table is partitioned by " + write.recordLayout().partitionColumns(), write.table() + f.key());
      }
      String path = InternalUtils.relativizePath(new Path(write.table() + f.key()), root).toUri().toString();
      Optional<DataFileStatistics> stats = f.stats() == null ? Optional.empty()
          : DataFileStatistics.deserializeFromJson(f.stats(), data);
      adds.add(SingleAction.createAddFileSingleAction(AddFile.createAddFileRow(physical, path,
          VectorUtils.stringStringMapValue(asNamed(f.partitionValues(), columns, f)), f.size(), now, true,
          Optional.empty(),
          Optional.empty(), Optional.empty(), Optional.empty(), stats)));
    }
    return adds;
  }

  /** Kernel's checkpoints and checksums after a commit; without them readers replay more, so failures only warn. */
  private void runHooks(TransactionCommitResult result) {
    for (PostCommitHook hook : result.getPostCommitHooks()) {
      try {
        hook.threadSafeInvoke(engine);
      } catch (IOException | RuntimeException e) {
        LOG.warn("{} after version {} of {} failed ({}): readers replay more of the log instead", hook.getType(),
            result.getVersion(), write.table(), e.getMessage());
      }
    }
  }

  private static void sleepJittered(int attempt) {
    try {
      Thread.sleep(ThreadLocalRandom.current().nextLong(1, 10L * Math.min(attempt, 20)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MetaflowS3Exception("interrupted while committing", null, e);
    }
  }
}
