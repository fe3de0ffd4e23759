package io.metaflows3.spark;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.metaflows3.core.metaflow.FlowRun;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.core.api.S3Url;
import io.metaflows3.core.table.ReadPlanner;
import io.metaflows3.core.table.TableWrite;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import io.metaflows3.hadoop.FileSystemSettings;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.catalog.TableCatalog;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The options of {@code format("metaflow-s3")}, parsed and checked once on the driver (so bad options fail at
 * plan time) and shipped to executors. Names are case-insensitive, as Spark passes them.
 */
final class SourceOptions implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final long DEFAULT_ROW_GROUP_BYTES = 64L << 20;

  enum Format { PARQUET, TEXT, BINARY }

  final List<String> locations;
  final Format format;
  /** The read's own cap on bytes per task (option splitSize); null: Spark's spark.sql.files.maxPartitionBytes. */
  final Long splitBytes;
  final String basePath;
  final S3Settings settings;
  final long parquetRowGroupBytes;
  final String partitionOverwriteMode;
  /**
   * Option recursiveFileLookup, as Spark's file sources read it: every object below the locations is a file of
   * the table and no partition columns are inferred from folder names.
   */
  final boolean recursiveFileLookup;
  /** Rows per file at most, as Spark reads the option (0 or less: no limit); null: the session's setting. */
  final Long maxRecordsPerFile;
  /** Which snapshot of a Delta table a read takes (options versionAsOf and timestampAsOf, as Delta's source). */
  final ReadPlanner.SnapshotChoice snapshot;
  /** Every option as given: Spark's own Parquet and text options (mergeSchema, compression, ...) are read from it. */
  final Map<String, String> given;
  /** A write's transaction id (options txnAppId and txnVersion, as Delta's writer takes them); null: none given. */
  final TableWrite.Transaction transaction;

  private SourceOptions(List<String> locations, Format format, Long splitBytes, String basePath,
      S3Settings settings, long parquetRowGroupBytes, String partitionOverwriteMode, Long maxRecordsPerFile,
      ReadPlanner.SnapshotChoice snapshot, Map<String, String> given, TableWrite.Transaction transaction) {
    this.recursiveFileLookup = Boolean.parseBoolean(new CaseInsensitiveStringMap(given)
        .getOrDefault("recursiveFileLookup", "false"));
    this.maxRecordsPerFile = maxRecordsPerFile;
    this.given = given;
    this.transaction = transaction;
    this.snapshot = snapshot;
    this.parquetRowGroupBytes = parquetRowGroupBytes;
    this.partitionOverwriteMode = partitionOverwriteMode;
    this.locations = locations;
    this.format = format;
    this.splitBytes = splitBytes;
    this.basePath = basePath;
    this.settings = settings;
  }

  /** The options of this source; with {@link S3Settings#OPTION_NAMES}, every name it accepts. */
  private static final Set<String> OWN = Set.of("path", "paths", "format", "splitSize", "basePath",
      "parquetRowGroupSize", "run", "s3root", "partitionOverwriteMode", "maxRecordsPerFile", "versionAsOf", "timestampAsOf",
      "txnAppId", "txnVersion",
      // Spark's own, read by its Parquet and text readers and writers
      "mergeSchema", "compression", "datetimeRebaseMode", "int96RebaseMode", "wholetext", "lineSep",
      "ignoreCorruptFiles", "ignoreMissingFiles", "pathGlobFilter", "modifiedBefore", "modifiedAfter", "timeZone",
      "recursiveFileLookup");

  /**
   * Parses {@code options}, a case-insensitive map (Spark's CaseInsensitiveStringMap).
   *
   * @throws IllegalArgumentException for a name this source does not know (a typo would otherwise be ignored)
   */
  static SourceOptions parse(Map<String, String> given) {
    CaseInsensitiveStringMap options = withCatalogOptions(given);
    if (options.containsKey("checkpointLocation")) {
      throw new UnsupportedOperationException("metaflow-s3 does not support streaming writes: write each "
          + "micro-batch with writeStream().foreachBatch((batch, id) -> batch.write().format(\"metaflow-s3\")...)");
    }
    Set<String> known = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    known.addAll(OWN);
    known.addAll(S3Settings.OPTION_NAMES);
    for (String name : options.asCaseSensitiveMap().keySet()) {
      // Parquet's own keys (parquet.block.size, parquet.enable.dictionary, ...) go to its writer, as in Spark.
      if (!known.contains(name) && !name.startsWith("parquet.")) {
        Set<String> sorted = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        sorted.addAll(known);
        throw new IllegalArgumentException("metaflow-s3 has no option '" + name + "'; its options are " + sorted);
      }
    }
    S3Settings settings = S3Settings.fromOptions(options, sessionDefaults());
    Format format = parseFormat(options.getOrDefault("format", "parquet"));
    Long splitBytes = options.containsKey("splitSize")
        ? S3Settings.parseBytes("splitSize", options.get("splitSize")) : null;
    String run = options.get("run");
    S3.Builder where = S3.builder().s3root(options.get("s3root")).run(run == null ? null : FlowRun.parse(run));
    List<String> paths = paths(options);
    if (paths.isEmpty()) {
      if (where.resolveRoot().isEmpty()) {
        throw new IllegalArgumentException("metaflow-s3 needs a location: load(\"s3://bucket/prefix/\"), or the "
            + "options run and s3root with a relative path");
      }
      paths = List.of("");
    }
    List<String> locations = new ArrayList<>();
    for (String p : paths) {
      locations.add(where.locate(p));
    }
    String basePath = options.containsKey("basePath") ? S3Url.parse(where.locate(options.get("basePath")))
        .asPrefix().toString() : null;
    if (basePath != null) {
      for (String l : locations) {
        if (!S3Url.parse(l).asPrefix().toString().startsWith(basePath)) {
          throw new IllegalArgumentException("path " + l + " is not below basePath " + basePath);
        }
      }
    }
    long rowGroup = options.containsKey("parquetRowGroupSize")
        ? S3Settings.parseBytes("parquetRowGroupSize", options.get("parquetRowGroupSize"))
        : DEFAULT_ROW_GROUP_BYTES;
    String overwriteMode = options.get("partitionOverwriteMode");
    if (overwriteMode != null && !overwriteMode.equalsIgnoreCase("static") && !overwriteMode.equalsIgnoreCase("dynamic")) {
      throw new IllegalArgumentException("option partitionOverwriteMode must be static or dynamic, got '"
          + overwriteMode + "'");
    }
    Long maxRecords = null;
    if (options.containsKey("maxRecordsPerFile")) {
      try {
        maxRecords = Long.parseLong(options.get("maxRecordsPerFile").trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("option maxRecordsPerFile must be a number of rows (0 or less: no "
            + "limit), got '" + options.get("maxRecordsPerFile") + "'");
      }
    }
    // As given (Parquet's keys are case-sensitive, e.g. parquet.bloom.filter.enabled#userId); looked up
    // case-insensitively through option(..).
    Map<String, String> all = Map.copyOf(options.asCaseSensitiveMap());
    return new SourceOptions(List.copyOf(locations), format, splitBytes, basePath, settings, rowGroup,
        overwriteMode, maxRecords, snapshot(options), all, transaction(options));
  }

  /** Options txnAppId and txnVersion (Delta's idempotent writes): both or neither. */
  private static TableWrite.Transaction transaction(CaseInsensitiveStringMap options) {
    String appId = options.get("txnAppId");
    String version = options.get("txnVersion");
    if (appId == null && version == null) {
      return null;
    }
    if (appId == null || version == null) {
      throw new IllegalArgumentException("options txnAppId and txnVersion go together (a write's transaction id), "
          + "got only " + (appId == null ? "txnVersion" : "txnAppId"));
    }
    try {
      return new TableWrite.Transaction(appId, Long.parseLong(version.trim()));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("option txnVersion must be a whole number, got '" + version + "'");
    }
  }

  /**
   * The session's connection defaults, under every read's and write's options: {@code metaflow.s3.<option>}
   * entries of its Hadoop configuration ({@code spark.hadoop.metaflow.s3.endpoint} when the session starts,
   * {@code spark.conf().set("metaflow.s3.endpoint", ..)} in it), as the Hadoop file system reads them, on top of
   * metaflow's configuration. So a table of the catalog, which keeps no writer's options, reads and writes too.
   */
  private static S3Settings sessionDefaults() {
    Map<String, String> entries = SparkSession.getActiveSession().isEmpty() ? Map.of()
        : SparkSession.active().sessionState().newHadoopConf().getPropsWithPrefix(FileSystemSettings.PREFIX);
    return S3Settings.fromOptions(entries, S3Settings.defaults());
  }

  /** The options as given, names as typed (Spark's case-insensitive map lists them lower-cased). */
  private static CaseInsensitiveStringMap withCatalogOptions(Map<String, String> given) {
    Map<String, String> typed = given instanceof CaseInsensitiveStringMap spark ? spark.asCaseSensitiveMap() : given;
    return new CaseInsensitiveStringMap(ofTable(typed));
  }

  /**
   * The options among a table's properties. A table of Spark's catalog (its properties name a provider) holds
   * CREATE TABLE's OPTIONS as {@code option.<name>}, its location as {@code path}, and beside them the catalog's
   * own entries and the user's TBLPROPERTIES, which are no options of ours; a table of {@code spark.read()} has
   * its options as its properties.
   */
  static Map<String, String> ofTable(Map<String, String> properties) {
    if (!properties.containsKey(TableCatalog.PROP_PROVIDER)) {
      return properties;
    }
    Map<String, String> options = new java.util.HashMap<>();
    properties.forEach((name, value) -> {
      if (name.startsWith(TableCatalog.OPTION_PREFIX)) {
        options.put(name.substring(TableCatalog.OPTION_PREFIX.length()), value);
      } else if (name.equals("path")) {
        options.put(name, value);
      }
    });
    return options;
  }

  /** Options versionAsOf (a version number) or timestampAsOf (a timestamp or date, in the session's time zone). */
  private static ReadPlanner.SnapshotChoice snapshot(Map<String, String> options) {
    String version = options.get("versionAsOf");
    String timestamp = options.get("timestampAsOf");
    if (version != null && timestamp != null) {
      throw new IllegalArgumentException("give versionAsOf or timestampAsOf, not both");
    }
    if (version != null) {
      try {
        return new ReadPlanner.SnapshotChoice(Long.parseLong(version.trim()), null);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("option versionAsOf must be a version number, got '" + version + "'");
      }
    }
    if (timestamp != null) {
      // Spark's own cast, as Delta's source reads the option: in the session's time zone.
      Object micros = new org.apache.spark.sql.catalyst.expressions.Cast(
          org.apache.spark.sql.catalyst.expressions.Literal.create(timestamp, DataTypes.StringType),
          DataTypes.TimestampType, scala.Option.apply(SQLConf.get().sessionLocalTimeZone()),
          org.apache.spark.sql.catalyst.expressions.EvalMode.LEGACY()).eval(null);
      if (micros == null) {
        throw new IllegalArgumentException("option timestampAsOf must be a timestamp, got '" + timestamp + "'");
      }
      return new ReadPlanner.SnapshotChoice(null, Math.floorDiv((Long) micros, 1000L));
    }
    return ReadPlanner.SnapshotChoice.LATEST;
  }

  private static Format parseFormat(String value) {
    try {
      return Format.valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("option format must be parquet, text or binary, got '" + value + "'");
    }
  }


  private static List<String> paths(Map<String, String> options) {
    List<String> paths = new ArrayList<>();
    if (options.containsKey("paths")) {
      try {
        paths.addAll(new ObjectMapper().readValue(options.get("paths"), new TypeReference<List<String>>() {}));
      } catch (java.io.IOException e) {
        throw new IllegalArgumentException("option paths is not a JSON list of strings");
      }
    }
    if (options.containsKey("path")) {
      paths.add(options.get("path"));
    }
    return paths;
  }

  /** An option as given, its name matched case-insensitively; null when it was not given. */
  String option(String name) {
    return new CaseInsensitiveStringMap(given).get(name);
  }

  /**
   * The options as Spark's file code takes them (its {@code newHadoopConfWithOptions}, Parquet and text options):
   * those given, plus the entries that make {@code s3://} paths use connector-core with this read's settings.
   */
  scala.collection.immutable.Map<String, String> forSpark() {
    Map<String, String> all = new java.util.HashMap<>(given);
    all.keySet().removeIf(name -> name.equalsIgnoreCase("path") || name.equalsIgnoreCase("paths"));
    all.putAll(io.metaflows3.hadoop.FileSystemSettings.entries(settings));
    return scala.collection.immutable.Map$.MODULE$.from(scala.jdk.javaapi.CollectionConverters.asScala(all));
  }
}
