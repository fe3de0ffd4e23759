package io.metaflows3.spark;

import io.metaflows3.core.api.ObjectRange;
import io.metaflows3.core.SharedClients;
import io.metaflows3.core.table.PartitionFilter;
import io.metaflows3.core.table.ReadPlanner;
import io.metaflows3.hadoop.MetaflowS3FileSystem;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.hadoop.io.compress.SplittableCompressionCodec;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.util.QuotingUtils;
import org.apache.spark.sql.connector.expressions.Expressions;
import org.apache.spark.sql.connector.expressions.NamedReference;
import org.apache.spark.sql.connector.expressions.filter.PartitionPredicate;
import org.apache.spark.sql.connector.expressions.filter.Predicate;
import org.apache.spark.sql.connector.metric.CustomMetric;
import org.apache.spark.sql.connector.metric.CustomTaskMetric;
import org.apache.spark.sql.connector.read.Batch;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.connector.read.Statistics;
import org.apache.spark.sql.connector.read.SupportsReportStatistics;
import org.apache.spark.sql.connector.read.SupportsRuntimeV2Filtering;
import org.apache.spark.sql.execution.datasources.parquet.ParquetOptions;
import org.apache.spark.sql.execution.datasources.parquet.ParquetReadSupport;
import org.apache.spark.sql.execution.datasources.parquet.ParquetWriteSupport;
import org.apache.spark.sql.execution.datasources.text.TextOptions;
import org.apache.spark.sql.execution.datasources.v2.parquet.ParquetPartitionReaderFactory;
import org.apache.spark.sql.execution.datasources.v2.text.TextPartitionReaderFactory;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.sources.Filter;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;
import scala.Option;

/**
 * A planned read: the table contract's listing (pruned by the partition filter), cut into tasks as Spark cuts
 * files, read by Spark's own Parquet and text readers (vectorized where Spark's would be) through the
 * connector-core file system. Rows have the data columns read, then the partition columns read, as Spark's
 * file sources give them.
 */
final class MetaflowS3Scan implements Scan, Batch, SupportsReportStatistics, SupportsRuntimeV2Filtering {
  private final SourceOptions options;
  private final StructType dataSchema;
  private final StructType readDataSchema;
  private final StructType readPartitionSchema;
  private final PartitionColumns partitions;
  private PartitionFilter partitionFilter;
  /** Conditions on partition values that Spark evaluates (pushed when planned, and at run time). */
  private final List<PartitionPredicate> partitionPredicates;
  private final List<Predicate> runtimePushed = new ArrayList<>();
  private final PartitionFilter statisticsFilter;
  private final Filter[] partitionFilters;
  private final Filter[] dataFilters;
  private final ReadPlanner.Listing loaded;
  private List<ObjectRange> listed;
  private FilesPartition[] planned;
  private long planningNanos;
  private PartitionReaderFactory readers;

  MetaflowS3Scan(SourceOptions options, StructType dataSchema, StructType readDataSchema,
      StructType readPartitionSchema, PartitionColumns partitions, PartitionFilter partitionFilter,
      PartitionFilter statisticsFilter, List<PartitionPredicate> partitionPredicates, Filter[] partitionFilters,
      Filter[] dataFilters, ReadPlanner.Listing loaded) {
    this.loaded = loaded;
    this.partitionPredicates = new ArrayList<>(partitionPredicates);
    this.options = options;
    this.dataSchema = dataSchema;
    this.readDataSchema = readDataSchema;
    this.readPartitionSchema = readPartitionSchema;
    this.partitions = partitions;
    this.partitionFilter = partitionFilter;
    this.statisticsFilter = statisticsFilter;
    this.partitionFilters = partitionFilters;
    this.dataFilters = dataFilters;
  }

  @Override
  public StructType readSchema() {
    StructType schema = readDataSchema;
    for (var f : readPartitionSchema.fields()) {
      schema = schema.add(f);
    }
    return schema;
  }

  @Override
  public String description() {
    return "MetaflowS3Scan[format=" + options.format.name().toLowerCase() + ", locations=" + options.locations
        + ", partitions=" + partitionFilter + ", skipping=" + statisticsFilter + ", PartitionFilters=" + Arrays.toString(partitionFilters)
        + ", PushedFilters=" + Arrays.toString(dataFilters) + ", ReadSchema=" + readDataSchema.simpleString() + "]";
  }

  @Override
  public Batch toBatch() {
    return this;
  }

  /**
   * The objects to read (once): the table's listing from when it was loaded, pruned by the partition filter, and
   * the files of Delta tables whose column statistics rule out the data filters skipped.
   */
  private synchronized List<ObjectRange> listed() {
    if (listed == null) {
      long start = System.nanoTime();
      ReadPlanner planner = new ReadPlanner(SharedClients.get(options.settings), partitions.zone());
      listed = planner.skipByStatistics(loaded, planner.prune(loaded.objects(), partitions.coreSchema(),
          partitionFilter), statisticsFilter).stream()
          .filter(o -> partitionPredicates.isEmpty() || matches(o)).toList();
      planningNanos += System.nanoTime() - start;
    }
    return listed;
  }

  /** Whether an object's partition values (one per partition column, in the table's order) pass every predicate. */
  private boolean matches(ObjectRange o) {
    String[] columns = partitions.schema().fieldNames();
    Object[] key = new Object[columns.length];
    for (int i = 0; i < columns.length; i++) {
      key[i] = partitions.value(columns[i], o.partitionValues());
    }
    InternalRow row = new GenericInternalRow(key);
    return partitionPredicates.stream().allMatch(p -> p.eval(row));
  }

  /**
   * Dynamic partition pruning: Spark may filter the scan by the partition columns it reads once a join's other
   * side ran (the attributes must be among the scan's output).
   */
  @Override
  public NamedReference[] filterAttributes() {
    return java.util.Arrays.stream(readPartitionSchema.fieldNames())
        .map(name -> Expressions.column(QuotingUtils.quoteIdentifier(name))).toArray(NamedReference[]::new);
  }

  /** Prunes the objects to read by runtime predicates, as those pushed when planning (then plans again). */
  @Override
  public synchronized void filter(Predicate[] predicates) {
    for (Predicate p : predicates) {
      if (p instanceof PartitionPredicate onPartitionValues) {
        partitionPredicates.add(onPartitionValues);
        runtimePushed.add(p);
        continue;
      }
      Filter v1 = MetaflowS3ScanBuilder.exactV1(p, partitions.schema());
      PartitionFilter translated = v1 == null ? null : PartitionFilters.translate(v1, partitions::typedInCore);
      if (translated != null) {
        partitionFilter = partitionFilter.and(translated);
        runtimePushed.add(p);
      }
    }
    listed = null;
    planned = null;
  }

  @Override
  public boolean supportsIterativePushdown() {
    return true;
  }

  @Override
  public Predicate[] pushedPredicates() {
    return runtimePushed.toArray(Predicate[]::new);
  }

  @Override
  public synchronized InputPartition[] planInputPartitions() {
    if (planned == null) {
      List<ObjectRange> objects = listed();
      long start = System.nanoTime();
      CompressionCodecFactory codecs = new CompressionCodecFactory(new Configuration(false));
      planned = SparkSplits.plan(objects, partitions, readPartitionSchema, options.splitBytes,
          url -> switch (options.format) {
            case PARQUET -> true;
            case TEXT -> !isWholeText() && splittable(codecs.getCodec(MetaflowS3FileSystem.pathOf(url)));
            case BINARY -> false;
          });
      planningNanos += System.nanoTime() - start;
    }
    return planned;
  }

  private static boolean splittable(CompressionCodec codec) {
    return codec == null || codec instanceof SplittableCompressionCodec;
  }

  private boolean isWholeText() {
    return Boolean.parseBoolean(options.option("wholetext"));
  }

  /** Size from the listing, scaled to the columns read, as Spark's file scans estimate it. */
  @Override
  public Statistics estimateStatistics() {
    long bytes = listed().stream().mapToLong(ObjectRange::size).sum();
    StructType all = dataSchema.merge(partitions.schema(), true);
    double fraction = (double) readSchema().defaultSize() / Math.max(1, all.defaultSize());
    long size = (long) (SQLConf.get().fileCompressionFactor() * bytes * Math.min(1.0, fraction));
    return new Statistics() {
      @Override
      public OptionalLong sizeInBytes() {
        return OptionalLong.of(size);
      }

      @Override
      public OptionalLong numRows() {
        return OptionalLong.empty();
      }
    };
  }

  /** Made once per scan: Spark asks again while planning and running, and each one broadcasts a configuration. */
  @Override
  public synchronized PartitionReaderFactory createReaderFactory() {
    if (readers == null) {
      readers = newReaderFactory();
    }
    return readers;
  }

  private PartitionReaderFactory newReaderFactory() {
    if (options.format == SourceOptions.Format.BINARY) {
      return new BinaryReaders(options.settings, readDataSchema);
    }
    SparkSession spark = SparkSession.active();
    SQLConf conf = spark.sessionState().conf();
    Configuration hadoop = spark.sessionState().newHadoopConfWithOptions(options.forSpark());
    if (options.format == SourceOptions.Format.TEXT) {
      return new SparkFileReaders(new TextPartitionReaderFactory(conf,
          SerializableConfiguration.broadcast(spark.sparkContext(), hadoop), readDataSchema, readPartitionSchema,
          new TextOptions(options.forSpark())), options.settings, false, null);
    }
    // What Spark's own ParquetScan tells its reader through the configuration.
    hadoop.set("parquet.read.support.class", ParquetReadSupport.class.getName());
    hadoop.set(ParquetReadSupport.SPARK_ROW_REQUESTED_SCHEMA(), readDataSchema.json());
    hadoop.set(ParquetWriteSupport.SPARK_ROW_SCHEMA(), readDataSchema.json());
    hadoop.set(SQLConf.SESSION_LOCAL_TIMEZONE().key(), conf.sessionLocalTimeZone());
    hadoop.setBoolean(SQLConf.NESTED_SCHEMA_PRUNING_ENABLED().key(), conf.nestedSchemaPruningEnabled());
    hadoop.setBoolean(SQLConf.CASE_SENSITIVE().key(), conf.caseSensitiveAnalysis());
    hadoop.setBoolean(SQLConf.PARQUET_BINARY_AS_STRING().key(), conf.isParquetBinaryAsString());
    hadoop.setBoolean(SQLConf.PARQUET_INT96_AS_TIMESTAMP().key(), conf.isParquetINT96AsTimestamp());
    hadoop.setBoolean(SQLConf.PARQUET_INFER_TIMESTAMP_NTZ_ENABLED().key(), conf.parquetInferTimestampNTZEnabled());
    hadoop.setBoolean(SQLConf.LEGACY_PARQUET_NANOS_AS_LONG().key(), conf.legacyParquetNanosAsLong());
    hadoop.setBoolean(SQLConf.PARQUET_READER_RESPECT_UNKNOWN_TYPE_ANNOTATION().key(),
        conf.parquetReaderRespectUnknownTypeAnnotation());
    var broadcast = SerializableConfiguration.broadcast(spark.sparkContext(), hadoop);
    ParquetOptions parquet = new ParquetOptions(options.forSpark(), conf);
    ParquetChunks chunks = new ParquetChunks(readDataSchema, broadcast, dataFilters, ParquetPushDown.of(conf),
        parquet.datetimeRebaseModeInRead());
    return new SparkFileReaders(new ParquetPartitionReaderFactory(conf, broadcast, dataSchema, readDataSchema,
        readPartitionSchema, dataFilters, Option.empty(), parquet), options.settings, true, chunks);
  }

  @Override
  public CustomMetric[] supportedCustomMetrics() {
    return S3TaskMetrics.ofReads();
  }

  /**
   * Files and partitions read, and the time spent pruning the listing and planning tasks, as Spark's file scans
   * report theirs.
   */
  @Override
  public synchronized CustomTaskMetric[] reportDriverMetrics() {
    List<ObjectRange> read = listed().stream().filter(o -> o.size() > 0).toList();
    long partitionsRead = read.stream().map(ObjectRange::partitionValues).distinct().count();
    return S3TaskMetrics.driver(read.size(), partitionsRead, planningNanos / 1_000_000);
  }
}
