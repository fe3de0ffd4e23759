package io.metaflows3.core.table;

import io.metaflows3.core.metaflow.MetaflowS3Exception;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Object;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.core.api.S3Url;
import io.delta.kernel.Snapshot;
import io.delta.kernel.internal.DeltaLogActionUtils.DeltaAction;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One write of many tasks into a location, without renames and without races, committed to a Delta log. A
 * write of Parquet rows (begun with a {@link TableLayout}) makes the location a Delta table. A write of objects
 * that are not rows (model files, bytes) keeps them as plain objects under the location and records them in a
 * Delta log of their own in the hidden folder {@value #OBJECTS_FOLDER}, which names them by URL and partitions
 * them by folder: the same commits, guarantees and vacuum, no second protocol, and no Delta reader mistakes the
 * objects for a table's Parquet files.
 *
 * <p>{@link #begin} runs once on the driver when the job runs and creates the log, empty, when there is none, so
 * readers never see the tasks' files before the commit. The write is serializable and holds no client: each task
 * attempt writes keys unique to it through an {@link AttemptWriter}; {@link #commit} records exactly the
 * committed attempts' files, once ({@link DeltaCommit}).
 */
public final class TableWrite implements Serializable {
  private static final long serialVersionUID = 7L;
  /** The hidden folder, below a location written with objects, of the Delta log that records them. */
  public static final String OBJECTS_FOLDER = "_metaflow_objects/";
  /** The record of a write of objects: an object's name, partitioned by its folder ("" at the top). */
  static final TableLayout OBJECTS = new TableLayout("{\"type\":\"struct\",\"fields\":["
      + "{\"name\":\"name\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}},"
      + "{\"name\":\"folder\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}}]}", List.of("folder"));
  private static final Logger LOG = LoggerFactory.getLogger(TableWrite.class);
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss")
      .withZone(ZoneOffset.UTC);

  /** What a commit does to what the table shows. */
  public enum Mode {
    /** Adds to what is visible. */
    APPEND,
    /** Replaces everything visible. */
    OVERWRITE,
    /** Replaces what is visible in the partitions this write writes to (Spark's dynamic overwrite). */
    OVERWRITE_PARTITIONS,
    /**
     * Replaces what is visible in the partitions a filter over partition columns holds for (Spark's static
     * partition overwrite, {@code INSERT OVERWRITE .. PARTITION (p = ..)}; Delta's {@code replaceWhere}).
     */
    OVERWRITE_WHERE
  }

  /**
   * A committed write: the version it became and its files' URLs; for a write committed before (a retried or
   * re-executed commit), the version that holds its transaction and the files that version added (not the files
   * given this time, which a re-executed write made anew); for a write whose transaction the table held before
   * it began (the caller's, {@link #withTransaction}), the newest version and no URLs.
   */
  public record Committed(long version, List<String> urls) {}

  /**
   * A Delta transaction id ({@code txn}): an application id and a version. A commit whose table already holds
   * its application id at that version or a later one commits nothing (Delta's idempotent writes).
   */
  public record Transaction(String appId, long version) implements Serializable {
    public Transaction {
      if (appId == null || appId.isBlank()) {
        throw new IllegalArgumentException("a transaction needs an application id, got '" + appId + "'");
      }
      if (version < 0) {
        throw new IllegalArgumentException("a transaction's version is at least 0, got " + version);
      }
    }
  }

  private final S3Settings settings;
  private final String table;
  private final String writeId;
  private final Mode mode;
  /** The Delta table's layout, or null for a write of objects. */
  private final TableLayout layout;
  /** What {@link Mode#OVERWRITE_WHERE} replaces, and the zone its timestamps are local times of; else null. */
  private final PartitionFilter replaced;
  private final String zone;
  /** The table's version when the write began: what an overwrite replaces is taken from it. */
  private final long baseVersion;
  /** The Delta id of the table (or record) when the write began; null before it began. */
  private final String tableId;
  /** Whether columns of the layout the table lacks are added to it (Delta's mergeSchema). */
  private final boolean mergeSchema;
  /** The caller's transaction id the commit carries; null: the write's own ({@code writeId}, version 0). */
  private final Transaction transaction;

  private TableWrite(S3Settings settings, String table, String writeId, Mode mode, TableLayout layout,
      PartitionFilter replaced, String zone, long baseVersion, String tableId, boolean mergeSchema,
      Transaction transaction) {
    this.settings = settings;
    this.table = table;
    this.writeId = writeId;
    this.mode = mode;
    this.layout = layout;
    this.replaced = replaced;
    this.zone = zone;
    this.baseVersion = baseVersion;
    this.tableId = tableId;
    this.mergeSchema = mergeSchema;
    this.transaction = transaction;
  }

  /**
   * Begins a write of objects (not rows) to {@code tableUrl} (a full, usually run-versioned {@code s3://} prefix),
   * recorded in its {@value #OBJECTS_FOLDER}, then returns the write to ship to the tasks. Call it when the job
   * runs, never when a pipeline is built, so every run gets its own write id.
   */
  public static TableWrite begin(S3Settings settings, String tableUrl, Mode mode) {
    return begin(settings, tableUrl, mode, null);
  }

  /**
   * Begins a write of Parquet rows into the Delta table at {@code tableUrl} (with {@code layout}; null: a write
   * of objects); tasks store their files with {@link AttemptWriter#writeDataFile}. A location inside a table, or
   * holding one below it, is refused, as is a table of another layout.
   */
  public static TableWrite begin(S3Settings settings, String tableUrl, Mode mode, TableLayout layout) {
    return begin(settings, tableUrl, mode, layout, false);
  }

  /**
   * {@link #begin(S3Settings, String, Mode, TableLayout)}, and with {@code mergeSchema} columns of {@code layout}
   * the table lacks are added to it at the commit (Delta's {@code mergeSchema}; columns both have must have the
   * same types, and a column the data lacks reads as null in its rows). Adding columns turns Delta's column
   * mapping on in the table (by name: its files keep naming columns as the schema does), as Kernel requires.
   */
  public static TableWrite begin(S3Settings settings, String tableUrl, Mode mode, TableLayout layout,
      boolean mergeSchema) {
    if (mode == Mode.OVERWRITE_WHERE) {
      throw new IllegalArgumentException("an overwrite of some partitions names them: begin(.., replaced, zone)");
    }
    if (mergeSchema && layout == null) {
      throw new IllegalArgumentException("a write of objects has no schema to merge");
    }
    return begin(settings, tableUrl, mode, layout, null, null, mergeSchema);
  }

  /**
   * Begins a write of Parquet rows into the Delta table at {@code tableUrl} that replaces the rows of the
   * partitions for which {@code replaced} is true (typed as the table's schema types them, timestamps as local
   * times of {@code zone}); other partitions stay as they are.
   */
  public static TableWrite beginReplacing(S3Settings settings, String tableUrl, TableLayout layout,
      PartitionFilter replaced, ZoneId zone) {
    return begin(settings, tableUrl, Mode.OVERWRITE_WHERE, Objects.requireNonNull(layout, "layout"),
        Objects.requireNonNull(replaced, "replaced"), Objects.requireNonNull(zone, "zone"), false);
  }

  private static TableWrite begin(S3Settings settings, String tableUrl, Mode mode, TableLayout layout,
      PartitionFilter replaced, ZoneId zone, boolean mergeSchema) {
    String writeId = STAMP.format(Instant.now()) + "-" + UUID.randomUUID().toString().substring(0, 8);
    TableWrite write = new TableWrite(settings, DeltaTable.tableRoot(tableUrl), writeId, mode,
        layout, replaced, zone == null ? null : zone.getId(), -1, null, mergeSchema, null);
    try (S3 s3 = write.client()) {
      TableNesting.refuseNested(s3, write.table, layout != null ? DeltaTable.LOG_FOLDER : OBJECTS_FOLDER);
      DeltaCommit commit = new DeltaCommit(write, s3);
      DeltaCommit.Base base = commit.createIfAbsent();
      if (base.created()) {
        try {
          TableNesting.refuseNestedCreated(s3, write.table);
        } catch (MetaflowS3Exception nested) {
          commit.dropIfEmpty();
          throw nested;
        }
      }
      return new TableWrite(settings, write.table, writeId, mode, layout, replaced, write.zone, base.version(),
          base.tableId(), mergeSchema, null);
    }
  }

  public S3Settings settings() {
    return settings;
  }

  /** The location written, ending with '/'. */
  public String table() {
    return table;
  }

  public String writeId() {
    return writeId;
  }

  public Mode mode() {
    return mode;
  }

  /** The partitions an {@link Mode#OVERWRITE_WHERE} write replaces; null for other modes. */
  public PartitionFilter replaced() {
    return replaced;
  }

  /** The zone an {@link Mode#OVERWRITE_WHERE} write's timestamps are local times of; null for other modes. */
  ZoneId zone() {
    return zone == null ? null : ZoneId.of(zone);
  }

  /** The version of the table (or of the objects' record) when the write began. */
  public long baseVersion() {
    return baseVersion;
  }

  /** The Delta id of the table when the write began (a table made anew at the location has another). */
  String tableId() {
    return tableId;
  }

  /** Whether the write adds columns the table lacks (Delta's mergeSchema). */
  public boolean mergeSchema() {
    return mergeSchema;
  }

  /** The Delta table's layout; null for a write of objects. */
  public TableLayout layout() {
    return layout;
  }

  /** The root of the Delta log this write commits to: the table itself, or the objects' hidden record. */
  String record() {
    return layout != null ? table : table + OBJECTS_FOLDER;
  }

  /** The layout of the record committed to: the table's, or the objects' record's. */
  TableLayout recordLayout() {
    return layout != null ? layout : OBJECTS;
  }

  /** The Delta statistics of a Parquet file of this table's data columns (see {@link ParquetStatistics}). */
  String statistics(Path parquetFile) {
    if (layout == null) {
      throw new IllegalStateException("a write of objects has no data files");
    }
    return ParquetStatistics.of(parquetFile, layout.dataSchema());
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
    if (name.contains("//") || name.startsWith("/") || name.endsWith("/")) {
      throw new IllegalArgumentException("'" + name + "' has an empty folder or file name, which a table's log "
          + "cannot name");
    }
    if (PartitionPaths.isHidden(name)) {
      throw new IllegalArgumentException("'" + name + "' is a hidden name (a folder or file starting with '_' or "
          + "'.'), which readers skip and logs use");
    }
    int slash = name.lastIndexOf('/');
    int dot = name.indexOf('.', slash + 1); // before a compound extension (.snappy.parquet, .tar.gz)
    String tag = "-" + attemptId + "-" + writeId;
    return dot > slash + 1 ? name.substring(0, dot) + tag + name.substring(dot) : name + tag;
  }

  /**
   * This write, committing under the caller's transaction id instead of its own (Delta's {@code txnAppId} and
   * {@code txnVersion}): when the table already holds {@code appId} at {@code version} or a later one, as after a
   * rerun of a job that succeeded, the commit adds nothing (the files this write stored are never in the log; a
   * vacuum deletes them).
   */
  public TableWrite withTransaction(String appId, long version) {
    return new TableWrite(settings, table, writeId, mode, layout, replaced, zone, baseVersion, tableId, mergeSchema,
        new Transaction(appId, version));
  }

  /**
   * Commits the files of the committed task attempts as the next version and returns it; a retried or
   * re-executed commit of the same write commits nothing again and returns the version it finds. Two files of
   * the same name (two elements with one key) fail the write: it is aborted, nothing becomes visible.
   */
  public Committed commit(List<WrittenObject> committed) {
    return commit(committed, () -> { });
  }

  /**
   * Commits one part of a write that commits several times (a streaming job's windows and panes), as its own
   * version and transaction; {@code part} names it uniquely within the write, the same on a retry. Two files of
   * the same name fail this part only: the write is not aborted, as other parts' files wait to be committed.
   */
  public Committed commitPart(List<WrittenObject> committed, String part) {
    if (mode != Mode.APPEND) {
      throw new IllegalStateException("a write committed in parts appends; " + mode + " commits once");
    }
    if (part == null || part.isEmpty()) {
      throw new IllegalArgumentException("a part needs a name, got '" + part + "'");
    }
    if (transaction != null) {
      throw new IllegalStateException("a write with the caller's transaction id commits once, not in parts");
    }
    return commit(committed, new Transaction(writeId + "/" + part, 0), false, () -> { });
  }

  /** {@link #commit}, running {@code afterVersion} once the version exists (crash tests). */
  Committed commit(List<WrittenObject> committed, Runnable afterVersion) {
    return commit(committed, transaction != null ? transaction : new Transaction(writeId, 0), true, afterVersion);
  }

  private Committed commit(List<WrittenObject> committed, Transaction txn, boolean whole, Runnable afterVersion) {
    Set<String> names = new HashSet<>();
    List<WrittenObject> files = new ArrayList<>();
    for (WrittenObject o : committed) {
      if (!names.add(o.name())) {
        if (whole) {
          abort();
        }
        throw new MetaflowS3Exception("two objects named '" + o.name() + "' in one commit (two elements with the "
            + "same key?): nothing was committed", table + o.name());
      }
      files.add(layout != null ? o : new WrittenObject(o.name(), o.key(), o.size(),
          Map.of("folder", o.key().substring(0, o.key().lastIndexOf('/') + 1)), null));
    }
    try (S3 s3 = client()) {
      DeltaCommit.Outcome outcome = new DeltaCommit(this, s3).commit(files, txn, afterVersion);
      if (outcome.earlier()) {
        return new Committed(outcome.version(), outcome.earlierUrls());
      }
      LOG.info("committed write {} as version {} of {}: {} files", txn, outcome.version(), record(),
          files.size());
      S3Url root = S3Url.parse(table);
      return new Committed(outcome.version(), files.stream().map(o -> root.resolve(o.key()).toString()).toList());
    }
  }

  /**
   * Deletes every object this write made that no version names: the job failed, so none of it may be read. What
   * was committed (the whole write, or parts of it) stays, also when a later overwrite removed it: a reader of
   * that version still names it, until a vacuum's retention has passed.
   */
  public void abort() {
    try (S3 s3 = client()) {
      DeltaTable record = DeltaTable.at(s3, record());
      Set<String> live = new HashSet<>();
      try {
        // This write's files can only have been added since it began: its commits' adds, not a scan of the table.
        Optional<Snapshot> latest = record.latest();
        long since = Math.max(0, baseVersion + 1);
        if (latest.isPresent() && latest.get().getVersion() >= since) {
          LogChange.forEach(record, since, latest.get().getVersion(), EnumSet.of(DeltaAction.ADD), change -> {
            if (change.add() != null && change.add().getPath().contains(writeId)) {
              live.add(record.fileUrl(change.add().getPath()));
            }
          });
        }
      } catch (IOException | RuntimeException e) {
        LOG.error("aborted write {} of {} deletes nothing: its log cannot be read ({}); readers of the log never "
            + "see its objects, a vacuum deletes them", writeId, table, e.getMessage());
        return;
      }
      S3Url root = S3Url.parse(table);
      List<String> doomed = new ArrayList<>();
      for (S3Object o : s3.listRecursive(List.of(TableLog.keyFor(s3, root)))) {
        String key = S3Url.parse(o.url()).relativeTo(root);
        if (!PartitionPaths.isHidden(key) && key.contains("-" + writeId) && !live.contains(o.url())) {
          doomed.add(TableLog.keyFor(s3, S3Url.parse(o.url())));
        }
      }
      try {
        s3.deleteMany(doomed);
      } catch (MetaflowS3Exception e) {
        LOG.error("could not delete the {} objects of aborted write {} below {} ({}): readers of the log never see "
            + "them; a vacuum deletes them", doomed.size(), writeId, table, e.getMessage());
      }
    }
    LOG.info("aborted write {} of {}", writeId, table);
  }

  private S3 client() {
    return S3.builder().settings(settings).environment(Map.of()).build();
  }

  /** Equal when they are the same write (runners compare encoded elements through this). */
  @Override
  public boolean equals(Object o) {
    return o instanceof TableWrite w && w.writeId.equals(writeId) && w.table.equals(table) && w.mode == mode
        && w.settings.equals(settings) && Objects.equals(w.layout, layout) && Objects.equals(w.transaction, transaction);
  }

  @Override
  public int hashCode() {
    return writeId.hashCode();
  }

  @Override
  public String toString() {
    return "TableWrite[" + table + ", writeId=" + writeId + ", " + mode
        + (transaction == null ? "" : ", " + transaction) + "]";
  }
}
