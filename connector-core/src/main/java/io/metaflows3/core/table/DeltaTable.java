package io.metaflows3.core.table;

import io.delta.kernel.ScanBuilder;
import io.delta.kernel.Snapshot;
import io.delta.kernel.Table;
import io.delta.kernel.data.Row;
import io.delta.kernel.defaults.engine.DefaultEngine;
import io.delta.kernel.engine.Engine;
import io.delta.kernel.exceptions.KernelException;
import io.delta.kernel.exceptions.TableNotFoundException;
import io.delta.kernel.expressions.Predicate;
import io.delta.kernel.internal.InternalScanFileUtils;
import io.delta.kernel.internal.SnapshotImpl;
import io.delta.kernel.internal.fs.Path;
import io.delta.kernel.internal.util.Utils;
import io.delta.kernel.utils.CloseableIterator;
import io.delta.kernel.utils.FileStatus;
import io.metaflows3.core.metaflow.MetaflowS3Exception;
import io.metaflows3.core.metaflow.MetaflowS3URLException;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Url;
import io.metaflows3.core.SharedClients;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A Delta table at a location, read through Delta Kernel with this library's client ({@link S3FileIO}): its
 * snapshots (the newest, or one by version or time: Kernel reads {@code _last_checkpoint}, the checkpoint and
 * the commits after it, never a listing of the data) and the data files a snapshot names.
 */
public final class DeltaTable {
  /** The log's folder below a table's root. */
  public static final String LOG_FOLDER = "_delta_log/";
  /** Table properties that change how files must be read, which this library's readers do not apply. */
  private final String root;
  private final Engine engine;
  private final Table table;

  /** A data file of a snapshot: its URL, size, modification time and partition values as the log has them. */
  public record DataFile(String url, long size, long modificationTime, Map<String, String> partitionValues) {
    /** The modification time as an instant (the log states milliseconds since the epoch). */
    public java.time.Instant modified() {
      return java.time.Instant.ofEpochMilli(modificationTime);
    }
  }

  private DeltaTable(String root, Engine engine) {
    this.root = root;
    this.engine = engine;
    this.table = Table.forPath(engine, root.substring(0, root.length() - 1));
  }

  /** The table at {@code rootUrl}, read with the JVM's shared client of {@code s3}'s settings (Kernel names files by URL). */
  public static DeltaTable at(S3 s3, String rootUrl) {
    S3 byUrl = s3.root().isPresent() ? SharedClients.get(s3.settings()) : s3;
    return new DeltaTable(S3Url.parse(rootUrl).asPrefix().toString(), DefaultEngine.create(new S3FileIO(byUrl)));
  }

  /**
   * The root of the table at {@code url}, ending with '/'. A location with an empty folder name ({@code a//t/}) is
   * refused: Delta's log paths collapse it, so the log would be at {@code a/t/} while the data went to {@code a//t/}.
   */
  public static String tableRoot(String url) {
    S3Url root = S3Url.parse(url).asPrefix();
    if (root.key().startsWith("/") || root.key().contains("//")) {
      throw new MetaflowS3URLException("a table's location cannot have an empty folder name ('//'), which Delta's log "
          + "paths collapse", root.toString());
    }
    return root.toString();
  }

  /**
   * The URL of a file a log action names by {@code path} (relative to the root and URI-encoded, or absolute), as
   * Kernel resolves it for a scan.
   */
  String fileUrl(String path) {
    // The root's key as Kernel names it: raw, not yet URI-encoded.
    return new Path(new Path(new Path(root).toUri()), new Path(URI.create(path))).toString();
  }

  /** The table's location, ending with '/'. */
  public String root() {
    return root;
  }

  Engine engine() {
    return engine;
  }

  Table kernelTable() {
    return table;
  }

  /** The newest snapshot, or empty when the location has no Delta log. */
  public Optional<Snapshot> latest() {
    try {
      return Optional.of(table.getLatestSnapshot(engine));
    } catch (TableNotFoundException e) {
      return Optional.empty();
    } catch (KernelException | UncheckedIOException e) {
      throw failed("cannot read the Delta log", e);
    }
  }

  /** The snapshot as of {@code version} (Spark's {@code versionAsOf}). */
  public Snapshot asOfVersion(long version) {
    try {
      return table.getSnapshotAsOfVersion(engine, version);
    } catch (KernelException | UncheckedIOException e) {
      throw failed("cannot read version " + version + " of the Delta table", e);
    }
  }

  /** The snapshot current at {@code millisSinceEpoch} (Spark's {@code timestampAsOf}). */
  public Snapshot asOfTimestamp(long millisSinceEpoch) {
    try {
      return table.getSnapshotAsOfTimestamp(engine, millisSinceEpoch);
    } catch (KernelException | UncheckedIOException e) {
      throw failed("cannot read the Delta table as of " + java.time.Instant.ofEpochMilli(millisSinceEpoch), e);
    }
  }

  /** The layout (schema and partition columns) of a snapshot, as readers show it (no column mapping metadata). */
  public static TableLayout layout(Snapshot snapshot) {
    return new TableLayout(PhysicalNames.withoutMapping(snapshot.getSchema()).toJson(),
        snapshot.getPartitionColumnNames());
  }

  /** The version of a write's transaction ({@code txn} action) that a snapshot shows committed, if any. */
  Optional<Long> transactionVersion(Snapshot snapshot, String applicationId) {
    return ((SnapshotImpl) snapshot).getLatestTransactionVersion(engine, applicationId);
  }

  /**
   * The data files of a snapshot, in the log's order. A table whose files this library cannot read as they
   * are (rows deleted by deletion vectors, columns stored under other names: {@link PhysicalNames}) is refused,
   * naming the feature: never a wrong answer.
   */
  public List<DataFile> files(Snapshot snapshot) {
    return files(snapshot, Optional.empty());
  }

  /**
   * The data files of a snapshot that may hold rows matching {@code filter}, which Kernel decides from the
   * partition values and column statistics of their {@code add} actions (files without statistics are kept).
   */
  public List<DataFile> files(Snapshot snapshot, Optional<Predicate> filter) {
    PhysicalNames.refuseMapped(snapshot, root);
    List<DataFile> files = new ArrayList<>();
    forEachScanFile(snapshot, filter, row -> {
      FileStatus status = InternalScanFileUtils.getAddFileStatus(row);
      if (InternalScanFileUtils.getDeletionVectorDescriptorFromRow(row) != null) {
        throw new MetaflowS3Exception("the Delta table uses deletion vectors (rows of a file are deleted by one), "
            + "which this reader does not support; read it with Delta's own reader", status.getPath());
      }
      files.add(new DataFile(status.getPath(), status.getSize(), status.getModificationTime(),
          new HashMap<>(InternalScanFileUtils.getPartitionValues(row))));
    });
    return files;
  }

  /** Calls {@code action} with each scan file row (an {@code add} action and the table root) of a snapshot. */
  void forEachScanFile(Snapshot snapshot, Optional<Predicate> filter, java.util.function.Consumer<Row> action) {
    ScanBuilder scan = snapshot.getScanBuilder();
    if (filter.isPresent()) {
      scan = scan.withFilter(filter.get());
    }
    // The rows own the batches: closing both would close the batches twice.
    try (CloseableIterator<Row> rows = Utils.intoRows(scan.build().getScanFiles(engine))) {
      while (rows.hasNext()) {
        action.accept(rows.next());
      }
    } catch (IOException | KernelException | UncheckedIOException e) {
      throw failed("cannot read the Delta log", e);
    }
  }

  private MetaflowS3Exception failed(String what, Exception e) {
    return new MetaflowS3Exception(what + " (" + e.getMessage() + ")", root + LOG_FOLDER, e);
  }
}
