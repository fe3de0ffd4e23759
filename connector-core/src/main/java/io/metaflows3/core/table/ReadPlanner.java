package io.metaflows3.core.table;

import io.metaflows3.core.metaflow.MetaflowS3Exception;
import io.metaflows3.core.metaflow.MetaflowS3NotFound;
import io.metaflows3.core.api.ObjectRange;
import io.metaflows3.core.api.ReadSplit;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Object;
import io.metaflows3.core.api.S3Url;
import io.delta.kernel.Snapshot;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Plans a parallel read, for Beam and Spark alike: what a reader sees below a location (the table contract)
 * and how it is cut into {@link ReadSplit}s. Objects below a table are those its commit log shows (the log of
 * the nearest table at or above the location, and of any table below it); elsewhere every object except
 * hidden names and folder markers. Partition folders are read as Spark reads them and filtered on typed values
 * while listing; sizes and ETags come from the listing, with no HEAD per object.
 */
public final class ReadPlanner {
  /** Threads for the blocking listings a plan makes at once (few, short-lived; daemons, so none holds a JVM). */
  private static final ExecutorService LISTING = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "metaflow-s3-plan");
    t.setDaemon(true);
    return t;
  });
  private final S3 s3;
  private final ZoneId zone;
  private final boolean emptyAllowed;
  private final boolean emptyObjects;
  private final SnapshotChoice snapshot;

  /** Which snapshot of a Delta table a plan reads: the newest, or one by version or by time. */
  public record SnapshotChoice(Long version, Long timestampMillis) implements java.io.Serializable {
    public static final SnapshotChoice LATEST = new SnapshotChoice(null, null);

    public SnapshotChoice {
      if (version != null && version < 0) {
        throw new IllegalArgumentException("a Delta table's versions start at 0, got " + version);
      }
      if (version != null && timestampMillis != null) {
        throw new IllegalArgumentException("time travel takes a version or a timestamp, not both");
      }
    }

    /** The snapshot at a version of the log. */
    public static SnapshotChoice version(long version) {
      return new SnapshotChoice(version, null);
    }

    /** The snapshot current at a time. */
    public static SnapshotChoice timestamp(java.time.Instant time) {
      return new SnapshotChoice(null, time.toEpochMilli());
    }

    public boolean isLatest() {
      return version == null && timestampMillis == null;
    }

    @Override
    public String toString() {
      return version != null ? "version " + version
          : timestampMillis != null ? "as of " + java.time.Instant.ofEpochMilli(timestampMillis) : "latest";
    }

    Snapshot of(DeltaTable table) {
      if (version != null) {
        return table.asOfVersion(version);
      }
      if (timestampMillis != null) {
        return table.asOfTimestamp(timestampMillis);
      }
      return table.latest().orElseThrow(() -> new MetaflowS3NotFound("the Delta log has no commit", table.root()
          + DeltaTable.LOG_FOLDER, null));
    }
  }

  /** What a listing found: the visible objects, and the Delta table snapshot each belongs to, by table root. */
  public record Listing(List<ObjectRange> objects, Map<String, TableRead> deltaTables) {}

  /** The snapshot of a Delta table that a listing read: its layout and version. */
  public record TableRead(TableLayout layout, long version) {}

  public ReadPlanner(S3 s3) {
    this(s3, ZoneOffset.UTC);
  }

  /** A planner whose timestamp partition values are local times of {@code zone} (Spark's session time zone). */
  public ReadPlanner(S3 s3, ZoneId zone) {
    this(s3, zone, false, false, SnapshotChoice.LATEST);
  }

  private ReadPlanner(S3 s3, ZoneId zone, boolean emptyAllowed, boolean emptyObjects, SnapshotChoice snapshot) {
    this.s3 = s3;
    this.zone = zone;
    this.emptyAllowed = emptyAllowed;
    this.emptyObjects = emptyObjects;
    this.snapshot = snapshot;
  }

  /** This planner, reading a location with nothing below it as empty instead of failing (a table of known schema). */
  public ReadPlanner allowingEmptyLocations() {
    return new ReadPlanner(s3, zone, true, emptyObjects, snapshot);
  }

  /**
   * This planner, keeping objects of 0 bytes (metaflow's {@code get_recursive} and Beam's {@code FileIO} return
   * them; table readers, Spark's file sources among them, have no rows to read in one). Folder markers, keys
   * ending in '/', are still left out.
   */
  public ReadPlanner includingEmptyObjects() {
    return new ReadPlanner(s3, zone, emptyAllowed, true, snapshot);
  }

  /** This planner, reading Delta tables as of {@code choice} (time travel) instead of their newest snapshot. */
  public ReadPlanner at(SnapshotChoice choice) {
    return new ReadPlanner(s3, zone, emptyAllowed, emptyObjects, choice);
  }

  /** Every visible object below each prefix whose partitions may match {@code filter}; see {@link #list}. */
  public List<ObjectRange> listPrefixes(List<String> prefixes, PartitionFilter filter) {
    return list(prefixes, null, PartitionSchema.NONE, filter);
  }

  /**
   * Every visible object below each location (a key under the client's root, or a URL), in location order then
   * key order, with its raw partition values relative to {@code basePath} (null: to its location). Partition
   * types are {@code schema}'s where it names a column, else inferred from every object listed; objects whose
   * partition values cannot match {@code filter} are left out (never listed, where the tree is walked). A
   * location with nothing below it at all is a {@link MetaflowS3NotFound}, unless empty locations are allowed.
   */
  public List<ObjectRange> list(List<String> locations, String basePath, PartitionSchema schema,
      PartitionFilter filter) {
    return listing(locations, basePath, schema, filter).objects();
  }

  /**
   * {@link #list}, also naming the Delta tables read. Below a Delta table the objects are the data files of its
   * snapshot ({@link SnapshotChoice}), with partition values and types from its log: its data is never listed.
   */
  public Listing listing(List<String> locations, String basePath, PartitionSchema schema, PartitionFilter filter) {
    List<String> urls = locations.stream().map(l -> url(l).toString()).toList();
    // The tables above are probed first, so what a Delta log records is never listed. Elsewhere a version of the
    // earlier log adds only objects stored before it, so a data listing made after its log's holds all of them.
    TableLog.Governing above = TableLog.tablesAbove(s3, urls);
    Map<String, String> tablesAbove = above.tables();
    Map<String, CompletableFuture<List<S3Object>>> early = new LinkedHashMap<>();
    for (String location : urls) {
      String root = tablesAbove.get(location);
      if (root == null || TableLog.kind(above.logs().get(root)).equals(TableLog.FOLDER)) {
        early.put(location, CompletableFuture.supplyAsync(() -> list(S3Url.parse(location), schema, filter), LISTING));
      }
    }
    Map<String, TableSnapshot> snapshots = new HashMap<>();
    Map<String, DeltaFiles> deltas = new LinkedHashMap<>();
    Set<String> travelled = new HashSet<>(); // locations read through a Delta log
    List<Visible> visible = new ArrayList<>();
    for (String location : urls) {
      S3Url prefix = S3Url.parse(location);
      S3Url base = basePath == null ? prefix : S3Url.parse(basePath).asPrefix();
      if (!early.containsKey(location)) {
        String root = tablesAbove.get(location);
        travelled.add(location);
        boolean objects = TableLog.kind(above.logs().get(root)).equals(TableWrite.OBJECTS_FOLDER);
        visible.addAll(deltas.computeIfAbsent(root, r -> recorded(r, objects)).below(prefix, base));
        continue;
      }
      List<String> roots = new ArrayList<>();
      if (tablesAbove.containsKey(location)) {
        String root = tablesAbove.get(location);
        roots.add(root);
        snapshots.computeIfAbsent(root, r -> new TableLog(s3, r).snapshot());
      }
      List<S3Object> listed = S3.await(early.get(location));
      List<String> below = new ArrayList<>();
      Map<String, Boolean> deltaBelow = new LinkedHashMap<>(); // root: whether objects are recorded there
      for (S3Object o : listed) {
        String root = TableLog.rootOfLogKey(o.url());
        if (root != null && !roots.contains(root) && !below.contains(root) && !deltaBelow.containsKey(root)) {
          if (o.url().contains("/" + TableWrite.OBJECTS_FOLDER)) {
            deltaBelow.put(root, true);
          } else if (o.url().contains("/" + DeltaTable.LOG_FOLDER)) {
            deltaBelow.put(root, false);
          } else {
            below.add(root);
          }
        }
      }
      if (!below.isEmpty()) {
        roots.addAll(below);
        readSnapshots(below, snapshots);
      }
      if (!below.isEmpty() || !missing(prefix, listed, roots, snapshots, base, schema, filter).isEmpty()) {
        listed = list(prefix, schema, filter); // now after every log's listing
      }
      if (listed.isEmpty() && roots.isEmpty() && !emptyAllowed) {
        throw new MetaflowS3NotFound("nothing to read below prefix", location, null);
      }
      for (S3Object o : listed) {
        S3Url url = S3Url.parse(o.url());
        if (governing(url, new ArrayList<>(deltaBelow.keySet())) != null) {
          continue; // what a Delta log records comes from that log, below
        }
        String root = governing(url, roots);
        boolean shown = root == null ? isPlainData(url.relativeTo(prefix), o.size(), emptyObjects)
            : isCommitted(snapshots.get(root), url, o.size());
        if (shown) {
          visible.add(new Visible(o.url(), o.size(), o.etag().orElse(null),
              PartitionPaths.rawValues(url.relativeTo(base)), null, o.lastModified().orElse(null)));
        }
      }
      deltaBelow.forEach((root, objects) ->
          visible.addAll(deltas.computeIfAbsent(root, r -> recorded(r, objects)).below(prefix, base)));
      if (!deltaBelow.isEmpty()) {
        travelled.add(location);
      }
      checkNothingMissing(prefix, listed, roots, snapshots, base, schema, filter);
    }
    if (!snapshot.isLatest()) {
      for (String location : urls) {
        if (!travelled.contains(location)) {
          throw new MetaflowS3Exception("time travel (" + snapshot + ") reads Delta tables, and no Delta table "
              + "is at, above or below this location", location);
        }
      }
      for (Visible v : visible) {
        if (v.delta() == null) {
          throw new MetaflowS3Exception("time travel (" + snapshot + ") reads Delta tables; this object lies "
              + "beside them, outside any, and has no earlier version to read: read the tables' own locations",
              v.url());
        }
      }
    }
    refuseUnknownColumns(filter, visible, urls);
    // Types are inferred only to filter: a plain prefix may mix layouts that no table would. A Delta table's come
    // from its log; one with a partition column of a type the filter cannot compare is not pruned.
    PartitionSchema types = filter.isAll() ? schema : withInferred(schema, visible);
    Map<String, TableRead> tables = new LinkedHashMap<>();
    deltas.forEach((root, files) -> {
      if (files.layout() != null) {
        tables.put(root, new TableRead(files.layout(), files.version()));
      }
    });
    List<ObjectRange> objects = new ArrayList<>();
    for (Visible v : visible) {
      DeltaFiles delta = v.delta() == null ? null : deltas.get(v.delta());
      boolean may = delta == null || delta.layout() == null ? allows(filter, types, v.raw())
          : delta.types() == null || allows(filter, delta.types(), v.raw());
      if (may) {
        objects.add(new ObjectRange(v.url(), v.size(), v.etag(), 0, v.size(), v.raw(), v.delta() != null,
            v.lastModified()));
      }
    }
    return new Listing(objects, tables);
  }

  /**
   * Refuses a filter on a column that no partition folder of what is read names, while others are named (a
   * misspelt column would otherwise prune nothing, silently). Names compare exactly, as the filter's evaluation
   * compares them; when nothing partitioned is read (every folder pruned, or none there), nothing can be told.
   */
  private static void refuseUnknownColumns(PartitionFilter filter, List<Visible> visible, List<String> locations) {
    if (filter.isAll()) {
      return;
    }
    Set<String> named = new java.util.TreeSet<>();
    visible.stream().filter(v -> v.raw() != null).forEach(v -> named.addAll(v.raw().keySet()));
    if (named.isEmpty()) {
      return;
    }
    for (String column : filter.columns()) {
      if (!named.contains(column)) {
        throw new IllegalArgumentException("no partition folder below " + String.join(", ", locations)
            + " names column '" + column + "' (its partition columns: " + named + ")");
      }
    }
  }

  /**
   * What the Delta log at {@code root} records, as of this planner's snapshot choice: a Delta table's data files
   * with the log's partition values, or ({@code objects}) the objects a write of objects recorded, whose
   * partition values come from their folders as elsewhere (empty ones skipped, as outside tables).
   */
  private DeltaFiles recorded(String root, boolean objects) {
    DeltaTable table = DeltaTable.at(s3, objects ? root + TableWrite.OBJECTS_FOLDER : root);
    Snapshot chosen = snapshot.of(table);
    // In key order, as every listing here: the log's own order is its commits'.
    List<DeltaTable.DataFile> recorded = table.files(chosen).stream()
        .sorted(java.util.Comparator.comparing(DeltaTable.DataFile::url)).toList();
    List<Visible> files = new ArrayList<>();
    if (objects) {
      for (DeltaTable.DataFile f : recorded) {
        if (f.size() > 0 || emptyObjects) {
          files.add(new Visible(f.url(), f.size(), null, null, root, f.modified()));
        }
      }
      return new DeltaFiles(null, null, chosen.getVersion(), files);
    }
    TableLayout layout = DeltaTable.layout(chosen);
    DeltaPartitions partitions = new DeltaPartitions(layout, zone);
    for (DeltaTable.DataFile f : recorded) {
      files.add(new Visible(f.url(), f.size(), null, partitions.rawValues(f.partitionValues()), root, f.modified()));
    }
    return new DeltaFiles(layout, partitions.types(), chosen.getVersion(), files);
  }

  /**
   * What a Delta log records: a table's layout, the core types of its partition columns (null: some cannot be
   * compared) and files; for objects, no layout and the objects, whose raw values come from their keys.
   */
  private record DeltaFiles(TableLayout layout, PartitionSchema types, long version, List<Visible> files) {
    List<Visible> below(S3Url prefix, S3Url base) {
      return files.stream().filter(f -> f.url().startsWith(prefix.toString()))
          .map(f -> layout != null ? f : new Visible(f.url(), f.size(), f.etag(),
              PartitionPaths.rawValues(S3Url.parse(f.url()).relativeTo(base)), f.delta(), f.lastModified()))
          .toList();
    }
  }

  /**
   * The objects of an earlier {@link #list} (with no filter) whose partition values may match {@code filter}:
   * for an engine that lists once when a table is loaded and prunes per query, as Spark's file sources do.
   */
  public List<ObjectRange> prune(List<ObjectRange> listed, PartitionSchema schema, PartitionFilter filter) {
    return filter.isAll() ? listed : listed.stream().filter(o -> allows(filter, schema, o.partitionValues())).toList();
  }

  /**
   * The objects among {@code objects} (of {@code listing}) that may hold rows matching {@code filter}, decided by
   * Delta Kernel from the column statistics in the {@code add} actions of the snapshot the listing read. Objects
   * outside Delta tables, files without statistics and conditions Kernel cannot use are kept (see
   * {@link DeltaFilters}); the rows read must still be filtered.
   */
  public List<ObjectRange> skipByStatistics(Listing listing, List<ObjectRange> objects, PartitionFilter filter) {
    if (filter.isAll() || listing.deltaTables().isEmpty()) {
      return objects;
    }
    Map<String, Set<String>> kept = new HashMap<>();
    listing.deltaTables().forEach((root, read) -> {
      DeltaTable table = DeltaTable.at(s3, root);
      Snapshot at = table.asOfVersion(read.version());
      DeltaFilters.skipping(filter, at.getSchema(), at.getPartitionColumnNames()).ifPresent(predicate -> {
        Set<String> urls = new HashSet<>();
        table.files(at, java.util.Optional.of(predicate)).forEach(f -> urls.add(f.url()));
        kept.put(root, urls);
      });
    });
    List<String> roots = new ArrayList<>(listing.deltaTables().keySet());
    return objects.stream().filter(o -> {
      String root = governing(S3Url.parse(o.url()), roots);
      return root == null || !kept.containsKey(root) || kept.get(root).contains(o.url());
    }).toList();
  }

  private void readSnapshots(List<String> roots, Map<String, TableSnapshot> snapshots) {
    for (String root : roots) {
      snapshots.computeIfAbsent(root, r -> new TableLog(s3, r).snapshot());
    }
  }

  /** Lists below a prefix, never listing partition folders the filter rules out (where the tree is walked). */
  private List<S3Object> list(S3Url prefix, PartitionSchema schema, PartitionFilter filter) {
    return s3.listRecursive(TableLog.keyFor(s3, prefix), folder -> {
      try {
        return allows(filter, schema, PartitionPaths.rawValues(folder + "f"));
      } catch (IllegalArgumentException notAPartitionFolder) {
        return true;
      }
    });
  }

  /** Whether rows with these raw partition values may match the filter (typed by {@code schema}). */
  private boolean allows(PartitionFilter filter, PartitionSchema schema, Map<String, String> raw) {
    return filter.isAll() || filter.evaluate(schema.typed(raw, zone), zone).mayMatch();
  }


  /** The given objects, whole, sized by parallel HEAD requests. */
  public List<ObjectRange> objects(List<String> keys) {
    List<ObjectRange> objects = new ArrayList<>();
    for (S3Object o : s3.infoMany(keys)) {
      String key = S3Url.parse(o.url()).key();
      objects.add(new ObjectRange(o.url(), o.size(), o.etag().orElse(null), 0, o.size(),
          PartitionPaths.rawValues(key), false, o.lastModified().orElse(null)));
    }
    return objects;
  }

  /**
   * Packs whole objects into splits of about {@code targetBytes}: objects are taken in order; a large one is
   * cut into ranges of {@code targetBytes}, small ones share a split until it would grow past the target, each
   * counted as its bytes plus {@code openCost} (what one more request costs, in bytes' worth of time), so a split
   * of many tiny objects is not many times the work of one of few large ones.
   */
  public static List<ReadSplit> split(List<ObjectRange> objects, long targetBytes, long openCost) {
    if (targetBytes <= 0 || openCost < 0) {
      throw new IllegalArgumentException("target split size must be positive and the open cost not negative, got "
          + targetBytes + " and " + openCost);
    }
    List<ReadSplit> splits = new ArrayList<>();
    List<ObjectRange> open = new ArrayList<>();
    long openWork = 0;
    for (ObjectRange o : objects) {
      if (o.length() > targetBytes) {
        if (!open.isEmpty()) {
          splits.add(new ReadSplit(open));
          open = new ArrayList<>();
          openWork = 0;
        }
        for (long at = o.start(); at < o.end(); at += targetBytes) {
          splits.add(new ReadSplit(List.of(o.slice(at, Math.min(o.end(), at + targetBytes)))));
        }
        continue;
      }
      long work = o.length() + openCost;
      if (!open.isEmpty() && openWork + work > targetBytes) {
        splits.add(new ReadSplit(open));
        open = new ArrayList<>();
        openWork = 0;
      }
      open.add(o);
      openWork += work;
    }
    if (!open.isEmpty()) {
      splits.add(new ReadSplit(open));
    }
    return splits;
  }

  /**
   * An object a plan reads, with its raw partition values and time of storing (null: not known); {@code delta}:
   * the root of the Delta log that records it, or null.
   */
  private record Visible(String url, long size, String etag, Map<String, String> raw, String delta,
      java.time.Instant lastModified) {}

  /** A location as a prefix URL: a URL as it is, else a key under the client's root ("" is the root). */
  private S3Url url(String location) {
    if (S3Url.isUrl(location)) {
      return S3Url.parse(location).asPrefix();
    }
    S3Url root = S3Url.parse(s3.root().orElseThrow(() -> new MetaflowS3Exception(
        "a relative location needs a client with a root (run or s3root): give a full s3:// URL", location)));
    return location.isEmpty() ? root : root.resolve(location).asPrefix();
  }

  /** The nearest table root that {@code url} lies in, or null. */
  private static String governing(S3Url url, List<String> roots) {
    String best = null;
    for (String root : roots) {
      if (url.toString().startsWith(root) && (best == null || root.length() > best.length())) {
        best = root;
      }
    }
    return best;
  }

  /** Outside any table: data unless a hidden name, a folder marker or (unless kept) empty. */
  private static boolean isPlainData(String relativeKey, long size, boolean emptyKept) {
    return (size > 0 || emptyKept) && !relativeKey.endsWith("/") && !PartitionPaths.isHidden(relativeKey);
  }

  private static boolean isCommitted(TableSnapshot table, S3Url url, long size) {
    String key = url.relativeTo(S3Url.parse(table.root()));
    Long committed = table.live().get(key);
    if (committed == null) {
      return false;
    }
    if (committed != size) {
      throw new MetaflowS3Exception("object size differs from its commit (" + committed + " bytes): it was "
          + "replaced by something other than this table's writers", url.toString());
    }
    return committed > 0;
  }

  /** Every committed object below the location that the filter allows must have been listed. */
  private void checkNothingMissing(S3Url prefix, List<S3Object> listed, List<String> roots,
      Map<String, TableSnapshot> snapshots, S3Url base, PartitionSchema schema, PartitionFilter filter) {
    List<String> missing = missing(prefix, listed, roots, snapshots, base, schema, filter);
    if (!missing.isEmpty()) {
      throw new MetaflowS3NotFound("a committed object of table " + governing(S3Url.parse(missing.get(0)), roots)
          + " is missing (deleted by another tool, or the table was overwritten while this read was planned)",
          missing.get(0), null);
    }
  }

  /** The committed objects below the location that the filter allows and the listing does not hold. */
  private List<String> missing(S3Url prefix, List<S3Object> listed, List<String> roots,
      Map<String, TableSnapshot> snapshots, S3Url base, PartitionSchema schema, PartitionFilter filter) {
    Set<String> seen = new HashSet<>();
    listed.forEach(o -> seen.add(o.url()));
    List<String> missing = new ArrayList<>();
    for (String root : roots) {
      S3Url r = S3Url.parse(root);
      for (String key : snapshots.get(root).live().keySet()) {
        S3Url url = r.resolve(key);
        if (url.toString().startsWith(prefix.toString()) && !seen.contains(url.toString())
            && governing(url, roots).equals(root) && allows(filter, schema, PartitionPaths.rawValues(url.relativeTo(base)))) {
          missing.add(url.toString());
        }
      }
    }
    return missing;
  }

  private static PartitionSchema withInferred(PartitionSchema given, List<Visible> visible) {
    PartitionSchema inferred = PartitionSchema.infer(visible.stream().map(Visible::raw).toList());
    Map<String, PartitionType> types = new LinkedHashMap<>(inferred.types());
    types.putAll(given.types());
    return new PartitionSchema(types);
  }
}
