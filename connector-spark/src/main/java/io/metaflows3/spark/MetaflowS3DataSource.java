package io.metaflows3.spark;

import io.metaflows3.core.SharedClients;
import io.metaflows3.core.metaflow.MetaflowS3NotFound;
import io.metaflows3.core.api.ObjectRange;
import io.metaflows3.core.table.PartitionFilter;
import io.metaflows3.core.table.PartitionSchema;
import io.metaflows3.core.api.S3Url;
import io.metaflows3.core.table.ReadPlanner;
import io.metaflows3.core.table.TableLayout;
import java.time.ZoneId;
import io.metaflows3.hadoop.ListedObjects;
import io.metaflows3.hadoop.MetaflowS3FileSystem;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.fs.FileStatus;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SQLContext;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.errors.QueryCompilationErrors;
import org.apache.spark.sql.execution.datasources.DataSourceUtils;
import org.apache.spark.sql.catalyst.util.CaseInsensitiveMap$;
import org.apache.spark.sql.execution.datasources.PartitioningUtils;
import org.apache.spark.sql.execution.datasources.PathFilterFactory;
import org.apache.spark.sql.execution.datasources.PathFilterStrategy;
import org.apache.spark.sql.sources.BaseRelation;
import org.apache.spark.sql.sources.CreatableRelationProvider;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.catalog.TableCatalog;
import org.apache.spark.sql.connector.catalog.TableProvider;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.SortOrder;
import org.apache.spark.sql.catalyst.parser.CatalystSqlParser$;
import org.apache.spark.sql.catalyst.util.QuotingUtils;
import org.apache.spark.sql.connector.expressions.Expressions;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.execution.datasources.parquet.ParquetFileFormat;
import org.apache.spark.sql.execution.datasources.parquet.ParquetOptions;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.sources.DataSourceRegister;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;
import scala.Option;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The {@code metaflow-s3} data source: {@code spark.read.format("metaflow-s3").load("s3://bucket/prefix/")}
 * and {@code df.write.format("metaflow-s3")}. Formats: parquet (default), text, binary. Parquet rows are
 * written as a Delta table; a Delta table (ours or any Delta writer's) is read from its log: schema, partition
 * columns and values, files, as of its newest version or {@code versionAsOf} / {@code timestampAsOf}. Elsewhere
 * Hive-style {@code k=v/} prefixes become partition columns. Filters on partition columns prune the files.
 */
public class MetaflowS3DataSource implements TableProvider, DataSourceRegister, CreatableRelationProvider {
  private Map<String, String> listedFor;
  private ReadPlanner.Listing listed;
  private PartitionColumns listedPartitions;
  /** The Delta table the location is, with the schema its log states; null for files without a table. */
  private StructType listedDeltaSchema;

  @Override
  public String shortName() {
    return "metaflow-s3";
  }

  @Override
  public boolean supportsExternalMetadata() {
    return true;
  }

  /** The files' schema (a Parquet footer, or the text/binary row) with the partition columns merged in. */
  @Override
  public StructType inferSchema(CaseInsensitiveStringMap options) {
    SourceOptions parsed = list(options);
    if (listedDeltaSchema != null) {
      return listedDeltaSchema;
    }
    if (listed.objects().isEmpty()) {
      throw new MetaflowS3NotFound("nothing to read below " + parsed.locations + " (give a schema with .schema(..) "
          + "to read it as an empty table)", parsed.locations.get(0), null);
    }
    StructType data = switch (parsed.format) {
      case BINARY -> BinaryReaders.SCHEMA;
      case TEXT -> DataTypes.createStructType(List.of(DataTypes.createStructField("value", DataTypes.StringType,
          false)));
      case PARQUET -> parquetSchema(parsed, listed.objects());
    };
    // Nullable, as Spark's file sources make every column: a file's required column says nothing of the next file's.
    return withPartitions(data.asNullable(), listedPartitions.schema());
  }

  /** The partition columns of the listed objects; listing only (a user-given schema needs no footer). */
  @Override
  public Transform[] inferPartitioning(CaseInsensitiveStringMap options) {
    list(options);
    return identity(listedPartitions.schema().fieldNames());
  }

  /**
   * The table. A schema Spark did not get from {@link #inferSchema} is the user's: partition columns it omits
   * are appended (as Spark's file sources do), and a location with nothing below it reads as an empty table.
   */
  @Override
  public Table getTable(StructType schema, Transform[] partitioning, Map<String, String> properties) {
    List<StructField> partitionFields = new ArrayList<>();
    StructType full = schema;
    for (Transform t : partitioning) {
      if (!t.name().equals("identity") || t.references().length != 1) {
        throw new IllegalArgumentException("metaflow-s3 supports partitioning by columns only, got " + t.describe());
      }
      String column = t.references()[0].fieldNames()[0];
      if (!full.getFieldIndex(column).isDefined()) {
        full = full.add(listedPartitions != null && listedPartitions.contains(column)
            ? listedPartitions.schema().apply(column) : DataTypes.createStructField(column, DataTypes.StringType, true));
      }
      partitionFields.add(full.apply(column));
    }
    // A loaded table keeps the listing Spark asked for its schema or partitioning, as Spark's file sources keep
    // theirs: every query of it prunes that listing, and reads the snapshot its schema describes.
    return new MetaflowS3Table(full, partitioning,
        PartitionColumns.of(DataTypes.createStructType(partitionFields), sessionZone()), properties,
        capabilities(properties), listed);
  }

  /**
   * What this provider's tables do. A table of Spark's catalog (its properties name a provider) reads and takes
   * SQL's and {@code insertInto}'s writes; one of {@code spark.read()} only reads, so that every save of
   * {@code df.write()} comes to {@link #createRelation} (see there); {@link Writes}' tables take those saves.
   */
  Set<TableCapability> capabilities(Map<String, String> properties) {
    return properties.containsKey(TableCatalog.PROP_PROVIDER) ? MetaflowS3Table.READS_AND_WRITES
        : MetaflowS3Table.READS;
  }

  /**
   * Every save of {@code df.write.format("metaflow-s3")}, in any mode. Spark offers save modes errorifexists (its
   * default) and ignore to a path-based source only through this interface, so the registered provider's tables
   * refuse batch writes and Spark brings every save here; the write itself then runs as a data source V2 write
   * of {@link Writes} (tasks, commit coordination and the table's commit log as always). A location "exists"
   * when anything lies below it.
   */
  @Override
  public BaseRelation createRelation(SQLContext sqlContext, SaveMode mode,
      scala.collection.immutable.Map<String, String> parameters, Dataset<Row> data) {
    Map<String, String> options = new HashMap<>(CollectionConverters.asJava(parameters));
    String partitionColumns = options.remove(DataSourceUtils.PARTITIONING_COLUMNS_KEY());
    SourceOptions parsed = SourceOptions.parse(new CaseInsensitiveStringMap(options));
    if (parsed.locations.size() != 1) {
      throw new IllegalArgumentException("metaflow-s3 writes to one location, got " + parsed.locations);
    }
    String location = parsed.locations.get(0);
    boolean exists = SharedClients.get(parsed.settings).hasObjectsBelow(location);
    if (exists && mode == SaveMode.ErrorIfExists) {
      throw MetaflowS3DataSource.<RuntimeException>rethrow(QueryCompilationErrors.outputPathAlreadyExistsError(
          MetaflowS3FileSystem.pathOf(location)));
    }
    if (!(exists && mode == SaveMode.Ignore)) {
      List<String> columns = partitionColumns == null ? List.of()
          : CollectionConverters.asJava(DataSourceUtils.decodePartitioningColumns(partitionColumns)).stream()
              .map(MetaflowS3DataSource::partitionColumnName).toList();
      Map<String, String> inner = new HashMap<>(options);
      if (!columns.isEmpty() && sortedBy(data, columns)) {
        inner.put(ROWS_SORTED, "true");
      }
      data.write().format(Writes.class.getName()).mode(mode == SaveMode.Overwrite ? SaveMode.Overwrite
          : SaveMode.Append).options(inner).partitionBy(columns.stream().map(QuotingUtils::quoteIdentifier)
              .toArray(String[]::new)).save();
    }
    StructType schema = data.schema();
    return new BaseRelation() {
      @Override
      public SQLContext sqlContext() {
        return sqlContext;
      }

      @Override
      public StructType schema() {
        return schema;
      }
    };
  }

  /** Tells {@link Writes}' write that the rows come sorted by the partition columns; set by this class only. */
  static final String ROWS_SORTED = "__metaflowS3RowsSortedByPartitionColumns";

  /**
   * Whether the query's rows come sorted by {@code columns} first (a user's sortWithinPartitions or orderBy), as
   * Spark's own file writer checks before adding its sort.
   */
  private static boolean sortedBy(Dataset<Row> data, List<String> columns) {
    List<SortOrder> ordering = CollectionConverters.asJava(data.queryExecution().optimizedPlan().outputOrdering());
    if (ordering.size() < columns.size()) {
      return false;
    }
    for (int i = 0; i < columns.size(); i++) {
      if (!(ordering.get(i).child() instanceof Attribute a) || !a.name().equals(columns.get(i))) {
        return false;
      }
    }
    return true;
  }

  /**
   * A name given to partitionBy, read as Spark reads it for every data source V2 (it has parsed it already, so
   * a name that is not a plain identifier is backquoted: {@code `a-b`}, {@code `x.y`}).
   */
  private static String partitionColumnName(String given) {
    List<String> parts = CollectionConverters.asJava(CatalystSqlParser$.MODULE$.parseMultipartIdentifier(given));
    if (parts.size() != 1) {
      throw new IllegalArgumentException("partitionBy(\"" + given + "\") names a nested field; a partition "
          + "column is a top-level column (backquote a name with dots: `" + given + "`)");
    }
    return parts.get(0);
  }

  /** Throws Spark's own (checked, in Java's eyes) AnalysisException from a Scala method that declares none. */
  @SuppressWarnings("unchecked")
  static <E extends Throwable> E rethrow(Throwable error) throws E {
    throw (E) error;
  }

  /** The types Spark's Parquet writer writes. */
  @Override
  public boolean supportsDataType(DataType type) {
    return new ParquetFileFormat().supportDataType(type);
  }

  /** The writing side of the source: its tables take batch writes. Not registered by name; used by {@link #createRelation}. */
  public static final class Writes extends MetaflowS3DataSource {
    @Override
    Set<TableCapability> capabilities(Map<String, String> properties) {
      return MetaflowS3Table.WRITES;
    }
  }

  /** Lists the locations once per options (Spark asks for schema and partitioning separately). */
  private SourceOptions list(CaseInsensitiveStringMap options) {
    SourceOptions parsed = SourceOptions.parse(options);
    Map<String, String> key = options.asCaseSensitiveMap();
    if (!key.equals(listedFor)) {
      // Empty locations are allowed here: with a given schema they are empty tables (inferSchema refuses them).
      ReadPlanner.Listing listing = listing(parsed);
      listed = listing;
      ReadPlanner.TableRead read = parsed.locations.size() == 1
          ? listing.deltaTables().get(S3Url.parse(parsed.locations.get(0)).asPrefix().toString()) : null;
      TableLayout delta = read == null ? null : read.layout();
      listedDeltaSchema = delta == null ? null : (StructType) DataType.fromJson(delta.schemaJson());
      listedPartitions = delta != null
          ? PartitionColumns.of(partitionFields(listedDeltaSchema, delta.partitionColumns()), sessionZone())
          : parsed.recursiveFileLookup ? PartitionColumns.of(new StructType(), sessionZone())
          : PartitionColumns.infer(listing.objects(), sessionZone());
      listedFor = Map.copyOf(key);
    }
    return parsed;
  }

  /**
   * Everything the options' locations hold, or their Delta tables' snapshots; empty locations allowed. The
   * files Spark's file-source options select ({@code pathGlobFilter}, {@code modifiedBefore},
   * {@code modifiedAfter}) are chosen by Spark's own filters; a Delta table is read as its snapshot, which those
   * options do not cut.
   */
  static ReadPlanner.Listing listing(SourceOptions parsed) {
    ReadPlanner.Listing all = new ReadPlanner(SharedClients.get(parsed.settings), ZoneId.of(sessionZone()))
        .allowingEmptyLocations().at(parsed.snapshot)
        .listing(parsed.locations, parsed.basePath, PartitionSchema.NONE, PartitionFilter.ALL);
    List<PathFilterStrategy> selection = CollectionConverters.asJava(PathFilterFactory.create(
        CaseInsensitiveMap$.MODULE$.apply(parsed.forSpark())));
    if (selection.isEmpty() && !parsed.recursiveFileLookup) {
      return all;
    }
    if (!all.deltaTables().isEmpty()) {
      throw new IllegalArgumentException("options pathGlobFilter, modifiedBefore, modifiedAfter and "
          + "recursiveFileLookup select the files of folders; " + all.deltaTables().keySet() + " is a Delta table, "
          + "read as a snapshot of its log (versionAsOf and timestampAsOf choose one)");
    }
    List<ObjectRange> selected = all.objects().stream().filter(o -> selection.stream().allMatch(f -> f.accept(
        new FileStatus(o.size(), false, 1, 0, o.lastModified() == null ? 0 : o.lastModified().toEpochMilli(),
            MetaflowS3FileSystem.pathOf(o.url()))))).toList();
    return new ReadPlanner.Listing(selected, all.deltaTables());
  }

  /** The fields of {@code schema} named by {@code columns}, in that order. */
  private static StructType partitionFields(StructType schema, List<String> columns) {
    StructType fields = new StructType();
    for (String column : columns) {
      fields = fields.add(schema.apply(schema.getFieldIndex(column).isDefined() ? column
          : java.util.Arrays.stream(schema.fieldNames()).filter(n -> n.equalsIgnoreCase(column)).findFirst()
              .orElseThrow()));
    }
    return fields;
  }

  /**
   * The data columns with the partition columns, as Spark's file sources merge them
   * ({@code PartitioningUtils.mergeDataAndPartitionSchema}): a column also stored in the files stays where the
   * files have it, with the folders' type (its values come from the folders), the rest are appended.
   */
  private static StructType withPartitions(StructType data, StructType partitions) {
    return PartitioningUtils.mergeDataAndPartitionSchema(data, partitions, SQLConf.get().caseSensitiveAnalysis())._1();
  }

  /**
   * The Parquet schema as Spark's own parquet source infers it ({@code ParquetUtils.inferSchema}): with
   * mergeSchema, every footer merged by Spark's own job; without, the footer of the first file by path, read
   * here on the driver rather than in a Spark job of one task (which costs a query more than the footer).
   */
  private static StructType parquetSchema(SourceOptions options, List<ObjectRange> objects) {
    List<FileStatus> files = new ArrayList<>();
    for (ObjectRange o : objects) {
      if (o.size() > 0) {
        ListedObjects.remember(o.url(), new ListedObjects.Listed(o.size(), o.version(), 0L));
        files.add(new FileStatus(o.size(), false, 1, 0, 0, MetaflowS3FileSystem.pathOf(o.url())));
      }
    }
    SparkSession spark = SparkSession.active();
    Option<StructType> schema = new ParquetOptions(options.forSpark(), spark.sessionState().conf()).mergeSchema()
        || files.isEmpty()
        ? new ParquetFileFormat().inferSchema(spark, options.forSpark(), CollectionConverters.asScala(files).toSeq())
        : FirstFooterSchema.read(spark, options, files);
    if (schema.isEmpty()) {
      throw new MetaflowS3NotFound("no Parquet files to infer a schema from below " + options.locations
          + " (give a schema with .schema(..))", options.locations.get(0), null);
    }
    return schema.get();
  }

  static String sessionZone() {
    return SQLConf.get().sessionLocalTimeZone();
  }

  private static Transform[] identity(String[] columns) {
    Transform[] transforms = new Transform[columns.length];
    for (int i = 0; i < columns.length; i++) {
      transforms[i] = Expressions.identity(QuotingUtils.quoteIdentifier(columns[i])); // a name, not SQL to parse
    }
    return transforms;
  }
}
