package io.metaflows3.core.table;

import io.metaflows3.core.MetaflowS3Exception;
import io.metaflows3.core.S3;
import io.metaflows3.core.S3Object;
import io.metaflows3.core.S3Settings;
import io.metaflows3.core.S3Url;
import java.io.Serializable;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One write of many tasks into a table, without renames and without races. {@link #begin} runs once on the
 * driver when the job runs: it creates the table's commit log if there is none (version 0 adopts what other
 * tools wrote there), so from then on readers see only committed objects and never this write's in-flight
 * work. The write is serializable and holds no client: each task attempt writes keys unique to it through an
 * {@link AttemptWriter}; {@link #commit} then adds exactly the committed attempts' objects as the next log
 * version (retrying on the next number when a concurrent writer took one), and afterwards deletes what is no
 * longer visible (superseded objects, failed attempts), so readers that ignore the log see the same rows.
 */
public final class TableWrite implements Serializable {
  private static final long serialVersionUID = 3L;
  /** Delta's default number of leading columns with statistics ({@code delta.dataSkippingNumIndexedCols}). */
  private static final int STATS_COLUMNS = 32;
  private static final Logger LOG = LoggerFactory.getLogger(TableWrite.class);
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss")
      .withZone(ZoneOffset.UTC);
  private static final int MAX_COMMIT_TRIES = 100;

  /** What a commit does to what the table shows. */
  public enum Mode {
    /** Adds to what is visible. */
    APPEND,
    /** Replaces everything visible. */
    OVERWRITE,
    /** Replaces what is visible in the partition folders this write writes to (Spark's dynamic overwrite). */
    OVERWRITE_PARTITIONS
  }

  /** A committed write: the version it became, its objects' URLs, and whether every invisible object was deleted. */
  public record Committed(long version, List<String> urls, boolean cleanedUp) {}

  private final S3Settings settings;
  private final String table;
  private final String writeId;
  private final Mode mode;
  /** The Delta table's layout, or null for a write of objects that are not a table's rows. */
  private final TableLayout layout;

  private TableWrite(S3Settings settings, String table, String writeId, Mode mode, TableLayout layout) {
    this.settings = settings;
    this.table = table;
    this.writeId = writeId;
    this.mode = mode;
    this.layout = layout;
  }

  /**
   * Begins a write into the table at {@code tableUrl} (a full, usually run-versioned {@code s3://} prefix):
   * marks the table, then returns the write to ship to the tasks. Call it when the job runs, never when a
   * pipeline is built, so every run gets its own write id.
   */
  public static TableWrite begin(S3Settings settings, String tableUrl, Mode mode) {
    TableWrite write = new TableWrite(settings, S3Url.parse(tableUrl).asPrefix().toString(), newWriteId(), mode,
        null);
    try (S3 s3 = write.client()) {
      TableNesting.refuseNested(s3, write.table, TableLog.FOLDER);
      write.mark(s3);
    }
    return write;
  }

  /**
   * Begins a write of Parquet rows into the Delta table at {@code tableUrl} (created now, empty, with
   * {@code layout}, when there is none, so readers never see the tasks' files before the commit); tasks store
   * their files with {@link AttemptWriter#writeDataFile}. A location inside
   * a table, or holding one below it, is refused, as is a table of another layout.
   */
  public static TableWrite begin(S3Settings settings, String tableUrl, Mode mode, TableLayout layout) {
    TableWrite write = new TableWrite(settings, S3Url.parse(tableUrl).asPrefix().toString(), newWriteId(), mode,
        layout);
    try (S3 s3 = write.client()) {
      TableNesting.refuseNested(s3, write.table, DeltaTable.LOG_FOLDER);
      DeltaTable.at(s3, write.table).latest().ifPresentOrElse(s -> {
        if (!layout.fits(DeltaTable.layout(s))) {
          throw new MetaflowS3Exception("the data does not fit the Delta table: it has " + layout + ", the table "
              + DeltaTable.layout(s) + "; write to a new location", write.table);
        }
      }, () -> new DeltaCommit(write, s3).createIfAbsent());
    }
    return write;
  }

  private static String newWriteId() {
    return STAMP.format(Instant.now()) + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  public S3Settings settings() {
    return settings;
  }

  /** The table's location, ending with '/'. */
  public String table() {
    return table;
  }

  public String writeId() {
    return writeId;
  }

  public Mode mode() {
    return mode;
  }

  /** The Delta table's layout; null for a write of objects. */
  public TableLayout layout() {
    return layout;
  }

  /**
   * The statistics of a Parquet file of this table's data columns, as Delta's add actions carry them (row
   * count; min, max and null count of the first 32 leaf columns), read from its footer by Kernel.
   */
  String statistics(java.nio.file.Path parquetFile) {
    if (layout == null) {
      throw new IllegalStateException("a write of objects has no data files");
    }
    io.delta.kernel.types.StructType data = layout.dataSchema();
    List<io.delta.kernel.expressions.Column> columns = new ArrayList<>();
    leafColumns(data, new String[0], columns);
    columns = columns.subList(0, Math.min(STATS_COLUMNS, columns.size()));
    try {
      return statistics(parquetFile, data, columns);
    } catch (MetaflowS3Exception e) {
      // A column whose statistics Kernel cannot decode (INT96 timestamps) goes without: the others still skip files.
      List<io.delta.kernel.expressions.Column> readable = new ArrayList<>();
      for (io.delta.kernel.expressions.Column c : columns) {
        try {
          statistics(parquetFile, data, List.of(c));
          readable.add(c);
        } catch (MetaflowS3Exception unreadable) {
          LOG.debug("no statistics for column {} of {}: {}", c, parquetFile, unreadable.getMessage());
        }
      }
      return statistics(parquetFile, data, readable);
    }
  }

  private String statistics(java.nio.file.Path parquetFile, io.delta.kernel.types.StructType data,
      List<io.delta.kernel.expressions.Column> columns) {
    try {
      return io.delta.kernel.defaults.internal.parquet.ParquetStatsReader.readDataFileStatistics(
          new LocalInputFile(parquetFile.toString(), parquetFile, () -> { }), data, columns).serializeAsJson(data);
    } catch (java.io.IOException | RuntimeException e) {
      throw new MetaflowS3Exception("cannot read the statistics of a Parquet file written for the table ("
          + e.getMessage() + ")", table, e);
    }
  }

  private static void leafColumns(io.delta.kernel.types.StructType struct, String[] parent,
      List<io.delta.kernel.expressions.Column> into) {
    for (io.delta.kernel.types.StructField f : struct.fields()) {
      String[] path = java.util.Arrays.copyOf(parent, parent.length + 1);
      path[parent.length] = f.getName();
      if (f.getDataType() instanceof io.delta.kernel.types.StructType nested) {
        leafColumns(nested, path, into);
      } else {
        into.add(new io.delta.kernel.expressions.Column(path));
      }
    }
  }

  /**
   * A writer for one task attempt, using the worker's client {@code s3} (built from {@link #settings()});
   * {@code attemptId} must differ between attempts (e.g. Spark's task id, or a random id per Beam bundle).
   */
  public AttemptWriter openAttempt(S3 s3, String attemptId) {
    return new AttemptWriter(this, s3, attemptId);
  }

  /**
   * The key an attempt writes for {@code name}: the attempt and write ids go before the extension, so
   * {@code country=US/model.json} becomes {@code country=US/model-<attempt>-<writeId>.json}, and
   * {@code part-00000.snappy.parquet} keeps its whole extension.
   */
  String uniqueKey(String name, String attemptId) {
    S3Url.checkRelativeKey(name, table);
    if (name.startsWith(TableLog.FOLDER) || name.startsWith(DeltaTable.LOG_FOLDER)) {
      throw new IllegalArgumentException("'" + name + "' is inside the table's log folder");
    }
    int slash = name.lastIndexOf('/');
    int dot = name.indexOf('.', slash + 1); // before a compound extension (.snappy.parquet, .tar.gz)
    String tag = "-" + attemptId + "-" + writeId;
    return dot > slash + 1 ? name.substring(0, dot) + tag + name.substring(dot) : name + tag;
  }

  /** Creates the log when the table has none, adopting the objects other tools wrote there as version 0. */
  private void mark(S3 s3) {
    TableLog log = new TableLog(s3, table);
    if (log.exists()) {
      return;
    }
    Map<String, Long> existing = new TreeMap<>();
    S3Url root = S3Url.parse(table);
    for (S3Object o : s3.listRecursive(List.of(TableLog.keyFor(s3, root)))) {
      String key = S3Url.parse(o.url()).relativeTo(root);
      if (!key.endsWith("/") && !PartitionPaths.isHidden(key)) {
        existing.put(key, o.size());
      }
    }
    // Losing this race is fine: another writer adopted the same objects a moment earlier.
    log.tryCreate(new TableVersion(0, "adopted-by-" + writeId, "adopt", existing, List.of()));
  }

  /**
   * Commits the objects of the committed task attempts as the table's next version and returns it. A retried
   * commit of the same write returns the version it already made. Two objects of the same name (two elements
   * with one key) fail the write: it is aborted, nothing becomes visible.
   */
  public Committed commit(List<WrittenObject> committed) {
    return layout != null ? commitDelta(committed, writeId, () -> { }) : commit(committed, writeId, true, () -> { });
  }

  /**
   * Commits one part of a write that commits several times (a streaming job's windows and panes), as its own
   * version; {@code part} names it uniquely within the write, the same on a retry (which then returns the
   * version it made). Objects of failed attempts are not deleted here: another part's may still be in flight.
   */
  public Committed commitPart(List<WrittenObject> committed, String part) {
    if (part == null || part.isEmpty() || part.contains("\t") || part.contains("\n")) {
      throw new IllegalArgumentException("a part needs a name without tabs or line breaks, got '" + part + "'");
    }
    return layout != null ? commitDelta(committed, writeId + "/" + part, () -> { })
        : commit(committed, writeId + "/" + part, false, () -> { });
  }

  private Committed commitDelta(List<WrittenObject> committed, String transaction, Runnable afterVersion) {
    refuseDuplicates(committed);
    try (S3 s3 = client()) {
      long version = new DeltaCommit(this, s3).commit(committed, transaction, afterVersion);
      LOG.info("committed write {} as version {} of Delta table {}: {} files", transaction, version, table,
          committed.size());
      S3Url root = S3Url.parse(table);
      return new Committed(version, committed.stream().map(o -> root.resolve(o.key()).toString()).toList(), true);
    }
  }

  private void refuseDuplicates(List<WrittenObject> committed) {
    Set<String> names = new HashSet<>();
    for (WrittenObject o : committed) {
      if (!names.add(o.name())) {
        abort();
        throw new MetaflowS3Exception("two objects named '" + o.name() + "' in one commit (two elements with the "
            + "same key?): nothing was committed", table + o.name());
      }
    }
  }

  /** {@link #commit}, running {@code afterVersion} between creating the version and cleaning up (crash tests). */
  Committed commit(List<WrittenObject> committed, Runnable afterVersion) {
    return layout != null ? commitDelta(committed, writeId, afterVersion)
        : commit(committed, writeId, true, afterVersion);
  }

  private Committed commit(List<WrittenObject> committed, String commitId, boolean wholeWrite,
      Runnable afterVersion) {
    refuseDuplicates(committed);
    Map<String, Long> adds = new TreeMap<>();
    committed.forEach(o -> adds.put(o.key(), o.size()));
    try (S3 s3 = client()) {
      TableLog log = new TableLog(s3, table);
      for (int attempt = 1; ; attempt++) {
        TableSnapshot now = log.snapshot();
        Optional<Long> done = now.versionOf(commitId);
        if (done.isPresent()) {
          // Committed before (a retried or re-executed commit): what the log shows stays, whichever attempt wrote it.
          return finish(s3, done.get(), now.live().keySet(), now.superseded(), wholeWrite);
        }
        if (!now.exists()) {
          throw new MetaflowS3Exception("the table has no commit log: begin the write with TableWrite.begin", table);
        }
        List<String> removes = removals(now, adds.keySet());
        TableVersion version = new TableVersion(now.version() + 1, commitId, mode.name().toLowerCase(Locale.ROOT),
            adds, removes);
        if (log.tryCreate(version)) {
          afterVersion.run();
          Set<String> gone = new HashSet<>(now.superseded());
          gone.addAll(removes);
          Committed made = finish(s3, version.number(), adds.keySet(), gone, wholeWrite);
          if (TableLog.checkpointDue(version.number())) {
            checkpoint(log, now.then(List.of(version)), made.cleanedUp());
          }
          return made;
        }
        if (attempt == MAX_COMMIT_TRIES) {
          throw new MetaflowS3Exception("could not commit after " + attempt + " concurrent commits took each "
              + "version first", table);
        }
        sleepJittered(attempt);
      }
    }
  }

  /**
   * Stores a checkpoint; without one, readers replay more versions, so a failure is only worth a warning. When
   * the clean-up deleted every removed object, it says none is left to delete, so the set does not grow with
   * every key a table ever removed.
   */
  private void checkpoint(TableLog log, TableSnapshot committed, boolean cleanedUp) {
    TableSnapshot state = cleanedUp ? new TableSnapshot(committed.root(), committed.version(), committed.live(),
        committed.writes(), Set.of()) : committed;
    try {
      log.writeCheckpoint(state);
    } catch (MetaflowS3Exception e) {
      LOG.warn("could not store the checkpoint of version {} of {} ({}): readers replay the versions instead",
          committed.version(), table, e.getMessage());
    }
  }

  private List<String> removals(TableSnapshot now, Set<String> added) {
    return switch (mode) {
      case APPEND -> List.of();
      case OVERWRITE -> new ArrayList<>(now.live().keySet());
      case OVERWRITE_PARTITIONS -> {
        Set<String> folders = new HashSet<>();
        added.forEach(k -> folders.add(k.substring(0, k.lastIndexOf('/') + 1)));
        yield now.inPartitions(folders).stream().sorted().toList();
      }
    };
  }

  /**
   * Deletes what is no longer visible: objects removed by this or any earlier version (one a commit killed
   * before its clean-up left behind) and, when the whole write was committed, its uncommitted attempts.
   */
  private Committed finish(S3 s3, long version, Set<String> added, Set<String> removed, boolean wholeWrite) {
    List<String> doomed = objectsWhere(s3, key -> removed.contains(key)
        || wholeWrite && isOwn(key) && !added.contains(key));
    boolean cleanedUp = deleteLoudly(s3, doomed, "no longer visible after version " + version);
    LOG.info("committed write {} as version {} of {}: {} objects added, {} deleted", writeId, version, table,
        added.size(), doomed.size());
    S3Url root = S3Url.parse(table);
    return new Committed(version, added.stream().map(k -> root.resolve(k).toString()).toList(), cleanedUp);
  }

  /**
   * Deletes every object this write made that no version committed: the job failed, so none of it may be read.
   * What was committed (the whole write, or parts of it) stays.
   */
  public void abort() {
    try (S3 s3 = client()) {
      Set<String> live = layout != null ? deltaFiles(s3) : new TableLog(s3, table).snapshot().live().keySet();
      deleteLoudly(s3, objectsWhere(s3, key -> isOwn(key) && !live.contains(key)), "of an aborted write");
    }
    LOG.info("aborted write {} of {}", writeId, table);
  }

  /** The keys (relative to the table) of the newest snapshot's data files. */
  private Set<String> deltaFiles(S3 s3) {
    DeltaTable delta = DeltaTable.at(s3, table);
    S3Url root = S3Url.parse(table);
    Set<String> keys = new HashSet<>();
    delta.latest().ifPresent(s -> delta.files(s).forEach(f -> keys.add(S3Url.parse(f.url()).relativeTo(root))));
    return keys;
  }

  private boolean isOwn(String key) {
    return key.contains("-" + writeId);
  }

  /** The objects of the table (not its log) whose keys relative to it pass {@code which}, as client keys. */
  private List<String> objectsWhere(S3 s3, Predicate<String> which) {
    S3Url root = S3Url.parse(table);
    List<String> keys = new ArrayList<>();
    for (S3Object o : s3.listRecursive(List.of(TableLog.keyFor(s3, root)))) {
      String key = S3Url.parse(o.url()).relativeTo(root);
      if (!key.startsWith(TableLog.FOLDER) && !key.startsWith(DeltaTable.LOG_FOLDER) && which.test(key)) {
        keys.add(TableLog.keyFor(s3, S3Url.parse(o.url())));
      }
    }
    return keys;
  }

  /** Deletes, and says so at ERROR when it cannot: the log stays right, but plain readers would see them. */
  private boolean deleteLoudly(S3 s3, List<String> keys, String why) {
    if (keys.isEmpty()) {
      return true;
    }
    try {
      s3.deleteMany(keys);
      return true;
    } catch (MetaflowS3Exception e) {
      LOG.error("could not delete {} objects {} below {} ({}): readers of the commit log are not affected, but "
          + "readers that ignore it (Spark's parquet source, the AWS CLI) see them until they are deleted",
          keys.size(), why, table, e.getMessage());
      return false;
    }
  }

  private S3 client() {
    return S3.builder().settings(settings).environment(Map.of()).build();
  }

  private static void sleepJittered(int attempt) {
    try {
      Thread.sleep(ThreadLocalRandom.current().nextLong(1, 10L * Math.min(attempt, 20)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MetaflowS3Exception("interrupted while committing", null, e);
    }
  }

  /** Equal when they are the same write (runners compare encoded elements through this). */
  @Override
  public boolean equals(Object o) {
    return o instanceof TableWrite w && w.writeId.equals(writeId) && w.table.equals(table) && w.mode == mode
        && w.settings.equals(settings) && java.util.Objects.equals(w.layout, layout);
  }

  @Override
  public int hashCode() {
    return writeId.hashCode();
  }

  @Override
  public String toString() {
    return "TableWrite[" + table + ", writeId=" + writeId + ", " + mode + "]";
  }
}
