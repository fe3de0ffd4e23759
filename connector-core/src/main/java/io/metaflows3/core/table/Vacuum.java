package io.metaflows3.core.table;

import io.delta.kernel.CommitActions;
import io.delta.kernel.CommitRange;
import io.delta.kernel.CommitRangeBuilder.CommitBoundary;
import io.delta.kernel.Snapshot;
import io.delta.kernel.TableManager;
import io.delta.kernel.data.ColumnarBatch;
import io.delta.kernel.data.Row;
import io.delta.kernel.internal.DeltaLogActionUtils.DeltaAction;
import io.delta.kernel.internal.SnapshotImpl;
import io.delta.kernel.internal.TableConfig;
import io.delta.kernel.utils.CloseableIterator;
import io.metaflows3.core.metaflow.MetaflowS3Exception;
import io.metaflows3.core.metaflow.MetaflowS3NotFound;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Object;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.core.api.S3Url;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the files of a table that no snapshot within the retention names, as Delta's {@code VACUUM} does:
 * files removed by overwrites more than the retention ago, and the debris of failed and killed writes (files no
 * version ever named) once older than the retention. A reader of any snapshot younger than the retention (a
 * read planned before an overwrite, a time travel) keeps every file it needs. The log and hidden names stay.
 */
public final class Vacuum {
  /** Delta's default ({@code delta.deletedFileRetentionDuration}) for a table that sets none: 7 days. */
  public static final Duration DEFAULT_RETENTION = Duration.ofDays(7);
  private static final Logger LOG = LoggerFactory.getLogger(Vacuum.class);

  /** What a vacuum deleted and kept. */
  public record Result(List<String> deleted, int kept) {}

  private Vacuum() {}

  /**
   * {@link #vacuum(S3Settings, String, Duration)} with the table's own retention: its
   * {@code delta.deletedFileRetentionDuration}, 7 days when it sets none.
   */
  public static Result vacuum(S3Settings settings, String tableUrl) {
    return vacuum(settings, tableUrl, null, false);
  }

  /**
   * Vacuums the Delta table at {@code tableUrl} (or the objects a write of objects recorded there), deleting what no
   * snapshot younger than {@code retention} names. A retention under the table's own (its
   * {@code delta.deletedFileRetentionDuration}, 7 days when it sets none) is refused, as Delta refuses it: it would
   * delete the files of a write still running and what readers of recent snapshots need.
   */
  public static Result vacuum(S3Settings settings, String tableUrl, Duration retention) {
    return vacuum(settings, tableUrl, Objects.requireNonNull(retention, "retention"), false);
  }

  /**
   * {@link #vacuum(S3Settings, String, Duration)}, with {@code allowShortRetention} to allow a retention under the
   * table's own: only when no write to the table runs and no read of an older snapshot is in flight. A null
   * retention is the table's own.
   */
  public static Result vacuum(S3Settings settings, String tableUrl, Duration retention, boolean allowShortRetention) {
    if (retention != null && retention.isNegative()) {
      throw new IllegalArgumentException("a retention of " + retention + " is negative");
    }
    String root = DeltaTable.tableRoot(tableUrl);
    try (S3 s3 = S3.builder().settings(settings).environment(Map.of()).build()) {
      // A table of rows, or a location written with objects, whose record is a Delta log of its own.
      DeltaTable table = DeltaTable.at(s3, root);
      Optional<Snapshot> found = table.latest();
      if (found.isEmpty()) {
        table = DeltaTable.at(s3, root + TableWrite.OBJECTS_FOLDER);
        found = table.latest();
      }
      Snapshot latest = found.orElseThrow(() -> new MetaflowS3NotFound("no Delta table (nor a record of objects) "
          + "to vacuum", root + DeltaTable.LOG_FOLDER, null));
      Duration own = Duration.ofMillis(TableConfig.TOMBSTONE_RETENTION.fromMetadata(
          ((SnapshotImpl) latest).getMetadata()));
      Duration kept = retention == null ? own : retention;
      if (kept.compareTo(own) < 0 && !allowShortRetention) {
        throw new IllegalArgumentException("a retention of " + kept + " is under the table's own " + own
            + " (delta.deletedFileRetentionDuration, 7 days when the table sets none): it deletes the files of writes "
            + "still running and what readers of recent snapshots need; allow it explicitly (allowShortRetention) "
            + "only when neither runs");
      }
      Instant cutoff = Instant.now().minus(kept);
      if ("true".equalsIgnoreCase(latest.getTableProperties().get("delta.enableDeletionVectors"))) {
        // Their files are named by add and remove actions this vacuum does not read: Delta's own VACUUM knows them.
        throw new MetaflowS3Exception("the table uses deletion vectors: vacuum it with Delta's own VACUUM", root);
      }
      Set<String> keep = new HashSet<>();
      table.files(latest).forEach(f -> keep.add(f.url()));
      keep.addAll(removedSince(s3, table, latest, cutoff));
      List<String> doomed = new ArrayList<>();
      S3Url rootUrl = S3Url.parse(root);
      for (S3Object o : s3.listRecursive(List.of(root))) {
        String key = S3Url.parse(o.url()).relativeTo(rootUrl);
        boolean old = o.lastModified().map(t -> t.isBefore(cutoff)).orElse(false);
        if (old && !key.startsWith(DeltaTable.LOG_FOLDER) && !PartitionPaths.isHidden(key) && !keep.contains(o.url())) {
          doomed.add(o.url());
        }
      }
      s3.deleteMany(doomed);
      LOG.info("vacuumed {}: {} files deleted, {} kept (retention {})", root, doomed.size(), keep.size(), kept);
      return new Result(doomed, keep.size());
    }
  }

  /** The URLs of the files removed by versions committed at or after {@code cutoff}: older snapshots name them. */
  private static Set<String> removedSince(S3 s3, DeltaTable table, Snapshot latest, Instant cutoff) {
    long first = -1;
    for (S3Object f : s3.listPaths(List.of(table.root() + DeltaTable.LOG_FOLDER))) {
      String name = f.url().substring(f.url().lastIndexOf('/') + 1);
      boolean recent = f.lastModified().map(t -> !t.isBefore(cutoff)).orElse(true);
      if (name.matches("\\d{20}\\.json") && recent) {
        long version = Long.parseLong(name.substring(0, 20));
        first = first < 0 ? version : Math.min(first, version);
      }
    }
    Set<String> removed = new HashSet<>();
    if (first < 0 || first > latest.getVersion()) {
      return removed;
    }
    CommitRange range = TableManager.loadCommitRange(table.root(), CommitBoundary.atVersion(first))
        .withEndBoundary(CommitBoundary.atVersion(latest.getVersion())).build(table.engine());
    try (CloseableIterator<CommitActions> commits = range.getCommitActions(table.engine(),
        Set.of(DeltaAction.REMOVE))) {
      while (commits.hasNext()) {
        try (CloseableIterator<ColumnarBatch> batches = commits.next().getActions()) {
          while (batches.hasNext()) {
            ColumnarBatch batch = batches.next();
            int removeColumn = batch.getSchema().indexOf(DeltaAction.REMOVE.colName);
            try (CloseableIterator<Row> rows = batch.getRows()) {
              while (rows.hasNext()) {
                Row row = rows.next();
                if (!row.isNullAt(removeColumn)) {
                  Row remove = row.getStruct(removeColumn);
                  String path = remove.getString(remove.getSchema().indexOf("path"));
                  removed.add(table.fileUrl(path));
                }
              }
            }
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      throw new MetaflowS3Exception("cannot read the removes of the Delta log since " + cutoff + " (" + e.getMessage()
          + "): nothing was deleted", table.root() + DeltaTable.LOG_FOLDER, e);
    }
    return removed;
  }
}
