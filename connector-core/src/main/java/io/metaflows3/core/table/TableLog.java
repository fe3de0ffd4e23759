package io.metaflows3.core.table;

import io.metaflows3.core.metaflow.MetaflowS3AccessDenied;
import io.metaflows3.core.metaflow.MetaflowS3Exception;
import io.metaflows3.core.metaflow.MetaflowS3NotFound;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Object;
import io.metaflows3.core.api.S3Url;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The log of this library's earlier tables, read only (writes now commit to Delta logs): numbered versions under
 * {@code <table>/_metaflow_s3_log/}, replayed from the newest checkpoint ({@code <number>.checkpoint.tsv}); the
 * table's visible objects are those the versions added and did not remove since. Tables written before keep
 * reading as they did. Also finds, for the planner, the tables of every kind governing a location.
 */
public final class TableLog {
  public static final String FOLDER = "_metaflow_s3_log/";
  private static final String SUFFIX = ".tsv";
  private static final String CHECKPOINT_SUFFIX = ".checkpoint.tsv";
  private static final LogFileCache<TableVersion> VERSIONS_READ = new LogFileCache<>(4096);
  private static final LogFileCache<TableSnapshot> CHECKPOINTS_READ = new LogFileCache<>(4);
  private final S3 s3;
  private final S3Url root;

  /** The log of the table at {@code rootUrl}, read with {@code s3}. */
  public TableLog(S3 s3, String rootUrl) {
    this.s3 = s3;
    this.root = S3Url.parse(rootUrl).asPrefix();
  }

  public String root() {
    return root.toString();
  }

  /** The committed state: the newest checkpoint and the versions after it, read in parallel, applied in order. */
  public TableSnapshot snapshot() {
    return snapshot(s3.listRecursive(List.of(keyFor(s3, root.resolve(FOLDER)))));
  }

  /**
   * The same from a listing of the log folder made just before (its version and checkpoint files; anything else
   * is ignored). Log files read before by this client, of the ETags listed, are not read again: a log file is
   * never replaced.
   */
  TableSnapshot snapshot(List<S3Object> files) {
    TreeMap<Long, S3Object> versions = new TreeMap<>();
    TreeMap<Long, S3Object> checkpoints = new TreeMap<>();
    for (S3Object f : files) {
      String name = S3Url.parse(f.url()).relativeTo(root.resolve(FOLDER));
      Long version = number(name, SUFFIX);
      Long checkpoint = number(name, CHECKPOINT_SUFFIX);
      if (version != null) {
        versions.put(version, f);
      } else if (checkpoint != null) {
        checkpoints.put(checkpoint, f);
      }
    }
    // The newest checkpoint stands for every version up to it.
    TableSnapshot start = checkpoints.isEmpty() ? TableSnapshot.empty(root.toString())
        : checkpoint(checkpoints.lastKey(), checkpoints.lastEntry().getValue());
    return start.then(read(versions.tailMap(start.version(), false)));
  }

  private TableSnapshot checkpoint(long number, S3Object listed) {
    TableSnapshot known = CHECKPOINTS_READ.get(s3, listed);
    if (known != null) {
      return known;
    }
    S3Object text = s3.get(keyFor(s3, S3Url.parse(listed.url())));
    try {
      TableSnapshot read = TableCheckpoint.parse(root.toString(), number, text.text(), listed.url());
      CHECKPOINTS_READ.put(s3, listed, read);
      return read;
    } finally {
      s3.release(text);
    }
  }

  /** The listed versions, in order: those read before from the cache, the others read now, at once. */
  private List<TableVersion> read(Map<Long, S3Object> listed) {
    Map<Long, TableVersion> versions = new TreeMap<>();
    List<Long> unread = new ArrayList<>();
    listed.forEach((number, f) -> {
      TableVersion known = VERSIONS_READ.get(s3, f);
      if (known != null) {
        versions.put(number, known);
      } else {
        unread.add(number);
      }
    });
    List<S3Object> texts = unread.isEmpty() ? List.of()
        : s3.getMany(unread.stream().map(n -> keyFor(s3, S3Url.parse(listed.get(n).url()))).toList());
    for (int i = 0; i < unread.size(); i++) {
      S3Object f = listed.get(unread.get(i));
      try {
        TableVersion v = TableVersion.parse(unread.get(i), texts.get(i).text(), f.url());
        VERSIONS_READ.put(s3, f, v);
        versions.put(v.number(), v);
      } finally {
        s3.release(texts.get(i));
      }
    }
    return List.copyOf(versions.values());
  }

  /** The number of a log file named {@code <number><suffix>}, or null. */
  private static Long number(String name, String suffix) {
    if (!name.endsWith(suffix) || name.indexOf('/') >= 0) {
      return null;
    }
    try {
      return Long.parseLong(name.substring(0, name.length() - suffix.length()));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /**
   * The table root of a key inside a log folder, this library's earlier one or Delta's
   * ({@code t/_metaflow_s3_log/0.tsv} and {@code t/_delta_log/0.json} give {@code t/}), or null.
   */
  static String rootOfLogKey(String url) {
    // The objects' record holds a _delta_log/ of its own: it is looked for first.
    for (String folder : List.of(TableWrite.OBJECTS_FOLDER, FOLDER, DeltaTable.LOG_FOLDER)) {
      int at = url.indexOf("/" + folder);
      if (at >= 0) {
        return url.substring(0, at + 1);
      }
    }
    return null;
  }

  /**
   * The kind of a table's log, from its log folders as {@link #tablesAbove} found them: {@link
   * DeltaTable#LOG_FOLDER} (a Delta table), {@link TableWrite#OBJECTS_FOLDER} (objects recorded in a Delta log)
   * or {@link #FOLDER} (this library's earlier log). A Delta log wins over the others.
   */
  static String kind(List<S3Object> logFolders) {
    for (String folder : List.of(DeltaTable.LOG_FOLDER, TableWrite.OBJECTS_FOLDER)) {
      if (logFolders.stream().anyMatch(o -> o.url().endsWith("/" + folder))) {
        return folder;
      }
    }
    return FOLDER;
  }

  /** The tables governing some locations, with the log folders each one has. */
  record Governing(Map<String, String> tables, Map<String, List<S3Object>> logs) {}

  /**
   * The tables governing reads of {@code prefixUrls}: for each, the nearest location at or above it (up to the
   * client's root, if it has one) whose log (this library's earlier one, or Delta's) exists, all asked at once.
   * Locations with no table above are left out.
   */
  static Governing tablesAbove(S3 s3, Collection<String> prefixUrls) {
    Set<String> ancestors = new HashSet<>();
    for (String p : prefixUrls) {
      ancestors.addAll(ancestors(S3Url.parse(p).asPrefix()));
    }
    // A client with a root addresses nothing above it: tables are looked for from the root down.
    s3.root().map(S3Url::parse).ifPresent(root -> ancestors.removeIf(a -> !a.equals(root.toString())
        && !S3Url.parse(a).isUnder(root)));
    // One request per folder finds both kinds of log: the folder's entries whose names start with '_'.
    List<String> hidden = ancestors.stream().sorted().map(a -> keyFor(s3, S3Url.parse(a).resolve("_"))).toList();
    Map<String, List<S3Object>> withLog = new HashMap<>();
    List<S3Object> listed;
    try {
      listed = s3.listStartingWith(hidden);
    } catch (MetaflowS3Exception e) {
      throw about(e, String.join(", ", prefixUrls));
    }
    for (S3Object o : listed) {
      String root = rootOfLogKey(o.url());
      if (root != null) {
        withLog.computeIfAbsent(root, r -> new ArrayList<>()).add(o);
      }
    }
    Map<String, String> governing = new LinkedHashMap<>();
    for (String p : prefixUrls) {
      for (String a : ancestors(S3Url.parse(p).asPrefix())) {
        if (withLog.containsKey(a)) {
          governing.put(p, a);
          break;
        }
      }
    }
    return new Governing(governing, withLog);
  }

  /** The prefix and every folder above it up to the bucket, nearest first. */
  private static List<String> ancestors(S3Url prefix) {
    List<String> all = new ArrayList<>();
    String key = prefix.key();
    while (true) {
      all.add(new S3Url(prefix.bucket(), key).toString());
      if (key.isEmpty()) {
        return all;
      }
      int slash = key.lastIndexOf('/', key.length() - 2);
      key = slash < 0 ? "" : key.substring(0, slash + 1);
    }
  }

  /** How {@code s3} names a URL: relative to its root when it has one, else the URL itself. */
  static String keyFor(S3 s3, S3Url url) {
    Optional<String> root = s3.root();
    if (root.isPresent()) {
      S3Url r = S3Url.parse(root.get());
      if (!url.isUnder(r)) {
        throw new MetaflowS3Exception("table location is outside this client's root " + r, url.toString());
      }
      return url.relativeTo(r);
    }
    return url.toString();
  }

  /**
   * A failure to look for tables, said of the locations the caller gave (the folders listed, {@code <folder>/_},
   * are no path a user gave), of the same kind (access denied, not found, ...).
   */
  private static MetaflowS3Exception about(MetaflowS3Exception e, String locations) {
    String what = e.url() == null ? e.getMessage()
        : e.getMessage().substring(0, e.getMessage().length() - e.url().length() - 2);
    String message = "cannot look for tables at or above the location (" + what + ")";
    if (e instanceof MetaflowS3AccessDenied) {
      return new MetaflowS3AccessDenied(message, locations, e);
    }
    if (e instanceof MetaflowS3NotFound) {
      return new MetaflowS3NotFound(message, locations, e);
    }
    return new MetaflowS3Exception(message, locations, e);
  }
}
