package io.metaflows3.spark;

import io.metaflows3.core.table.PartitionFilter;
import io.metaflows3.core.table.TableLayout;
import io.metaflows3.core.table.TableWrite;
import io.metaflows3.core.table.WrittenObject;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.mapreduce.Job;
import org.apache.parquet.hadoop.ParquetOutputFormat;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.distributions.Distribution;
import org.apache.spark.sql.connector.distributions.Distributions;
import org.apache.spark.sql.catalyst.util.QuotingUtils;
import org.apache.spark.sql.connector.expressions.Expressions;
import org.apache.spark.sql.connector.expressions.SortDirection;
import org.apache.spark.sql.connector.expressions.SortOrder;
import org.apache.spark.sql.connector.metric.CustomMetric;
import org.apache.spark.sql.connector.write.RequiresDistributionAndOrdering;
import org.apache.spark.sql.execution.datasources.OutputWriterFactory;
import org.apache.spark.sql.execution.datasources.parquet.ParquetFileFormat;
import org.apache.spark.sql.execution.datasources.parquet.ParquetOptions;
import org.apache.spark.sql.execution.datasources.parquet.ParquetUtils;
import org.apache.spark.util.SerializableConfiguration;
import org.apache.spark.sql.connector.write.BatchWrite;
import org.apache.spark.sql.connector.write.DataWriterFactory;
import org.apache.spark.sql.connector.write.PhysicalWriteInfo;
import org.apache.spark.sql.connector.expressions.filter.Predicate;
import org.apache.spark.sql.connector.write.SupportsDynamicOverwrite;
import org.apache.spark.sql.connector.write.SupportsOverwriteV2;
import org.apache.spark.sql.sources.Filter;
import org.apache.spark.sql.connector.write.Write;
import org.apache.spark.sql.connector.write.WriteBuilder;
import org.apache.spark.sql.connector.write.WriterCommitMessage;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A batch write into one table: tasks write keys unique to their attempt; the job commit adds exactly the
 * committed tasks' files as the next version of the table's log, once (mode "overwrite" replaces what was
 * visible, only the partitions written with partitionOverwriteMode=dynamic, or those of a static partition spec);
 * an aborted job deletes what it wrote. Parquet rows make a Delta table; binary objects keep core's log of objects.
 */
final class MetaflowS3WriteBuilder implements WriteBuilder, SupportsOverwriteV2, SupportsDynamicOverwrite {
  private final SourceOptions options;
  private final StructType schema;
  private final PartitionColumns partitions;
  private final boolean rowsSorted;
  private boolean replace;
  private boolean dynamic;
  /** The partitions an overwrite by filter replaces (SQL's INSERT OVERWRITE .. PARTITION (p = ..)); else null. */
  private PartitionFilter replaced;

  /**
   * {@code rowsSorted}: the rows come sorted by the partition columns already (a user's sortWithinPartitions),
   * so the write asks for no sort of its own, which would make Spark drop the user's.
   */
  MetaflowS3WriteBuilder(SourceOptions options, StructType schema, PartitionColumns partitions, boolean rowsSorted) {
    this.rowsSorted = rowsSorted;
    if (options.locations.size() != 1) {
      throw new IllegalArgumentException("metaflow-s3 writes to one location, got " + options.locations);
    }
    if (options.format == SourceOptions.Format.TEXT) {
      throw new IllegalArgumentException("metaflow-s3 writes parquet or binary, not text");
    }
    if (options.format == SourceOptions.Format.BINARY && !(has(schema, "key") && has(schema, "content"))) {
      throw new IllegalArgumentException("format binary writes rows with columns key (string) and content "
          + "(binary); the data has " + schema.simpleString());
    }
    if (options.format == SourceOptions.Format.PARQUET) {
      ParquetFileFormat parquet = new ParquetFileFormat();
      for (StructField f : schema.fields()) {
        if (!partitions.contains(f.name()) && !parquet.supportDataType(f.dataType())) {
          throw new IllegalArgumentException("Spark's Parquet writer cannot write column " + f.name() + " of type "
              + f.dataType().simpleString());
        }
      }
    }
    this.options = options;
    this.schema = schema;
    this.partitions = partitions;
  }

  private static boolean has(StructType schema, String column) {
    return schema.getFieldIndex(column).isDefined();
  }

  @Override
  public WriteBuilder truncate() {
    replace = true;
    return this;
  }

  /**
   * An overwrite of the rows {@code predicates} hold for is taken when they are over partition columns only and
   * core evaluates them exactly on each file's partition values (a Delta table's, from the snapshot the commit
   * reads): whole files are replaced, never part of one.
   */
  @Override
  public boolean canOverwrite(Predicate[] predicates) {
    return options.format == SourceOptions.Format.PARQUET && replacedBy(predicates) != null;
  }

  @Override
  public WriteBuilder overwrite(Predicate[] predicates) {
    replaced = replacedBy(predicates);
    if (replaced == null || options.format != SourceOptions.Format.PARQUET) {
      throw new IllegalArgumentException("metaflow-s3 overwrites by filters over partition columns of a parquet "
          + "table only, not by " + java.util.Arrays.toString(predicates));
    }
    return this;
  }

  /** The predicates as one partition filter of core's, or null when one of them is not exactly that. */
  private PartitionFilter replacedBy(Predicate[] predicates) {
    PartitionFilter all = null;
    for (Predicate p : predicates) {
      Filter v1 = MetaflowS3ScanBuilder.exactV1(p, schema);
      PartitionFilter f = v1 == null ? null : PartitionFilters.translate(v1, partitions::typedInCore);
      if (f == null) {
        return null;
      }
      all = all == null ? f : all.and(f);
    }
    return all;
  }

  /** SQL's INSERT OVERWRITE with partitionOverwriteMode=dynamic: only the partitions written are replaced. */
  @Override
  public WriteBuilder overwriteDynamicPartitions() {
    dynamic = true;
    return this;
  }

  /**
   * Overwrite replaces the table, or with partitionOverwriteMode=dynamic only the partitions written; with no
   * partition columns (binary objects too) a dynamic overwrite replaces the table, as Spark's file sources decide.
   */
  private TableWrite.Mode mode() {
    boolean partitioned = partitions.schema().fields().length > 0;
    if (dynamic) {
      return partitioned ? TableWrite.Mode.OVERWRITE_PARTITIONS : TableWrite.Mode.OVERWRITE;
    }
    if (!replace) {
      return TableWrite.Mode.APPEND;
    }
    String dynamic = options.partitionOverwriteMode != null ? options.partitionOverwriteMode
        : SQLConf.get().getConfString("spark.sql.sources.partitionOverwriteMode", "static");
    return dynamic.equalsIgnoreCase("dynamic") && partitioned ? TableWrite.Mode.OVERWRITE_PARTITIONS
        : TableWrite.Mode.OVERWRITE;
  }

  /** Option mergeSchema, as Delta's writer takes it: columns the table lacks are added to it. */
  private boolean mergeSchema() {
    String merge = options.option("mergeSchema");
    return merge != null && Boolean.parseBoolean(merge.trim());
  }

  @Override
  public Write build() {
    // The write begins here, when the query runs, before any task writes: Parquet rows go to a Delta table.
    // Nullable, as Delta's own writer stores a DataFrame's schema (NOT NULL is a constraint it enforces).
    TableLayout layout = new TableLayout(schema.asNullable().json(),
        java.util.Arrays.asList(partitions.schema().fieldNames()));
    String location = options.locations.get(0);
    if (replaced != null && mergeSchema()) {
      throw new IllegalArgumentException("metaflow-s3 adds columns (mergeSchema) on appends and overwrites of whole "
          + "tables or written partitions, not on an overwrite by filter (static partitions, REPLACE WHERE)");
    }
    TableWrite begun = options.format != SourceOptions.Format.PARQUET
        ? TableWrite.begin(options.settings, location, mode())
        // Spark chose an overwrite by filter when it analysed the query (static partitions, REPLACE WHERE,
        // writeTo(..).overwrite(..)): partitionOverwriteMode no longer applies, only the filter says what goes.
        : replaced != null
            ? TableWrite.beginReplacing(options.settings, location, layout, replaced,
                ZoneId.of(MetaflowS3DataSource.sessionZone()))
            : TableWrite.begin(options.settings, location, mode(), layout, mergeSchema());
    TableWrite job = options.transaction == null ? begun
        : begun.withTransaction(options.transaction.appId(), options.transaction.version());
    ParquetTaskWriter.Encoding parquet = options.format == SourceOptions.Format.PARQUET ? parquetEncoding() : null;
    return new ClusteredWrite() {
      @Override
      public String description() {
        return "MetaflowS3Write[" + options.format.name().toLowerCase() + ", " + job + "]";
      }

      @Override
      public BatchWrite toBatch() {
        return new JobWrite(job, parquet);
      }

      @Override
      public CustomMetric[] supportedCustomMetrics() {
        return S3TaskMetrics.supported();
      }
    };
  }

  /** The committed objects of one task. */
  record TaskObjects(List<WrittenObject> objects) implements WriterCommitMessage {}

  /**
   * Spark's own Parquet writer factory, prepared as Spark's parquet source prepares it (codec from option
   * compression or spark.sql.parquet.compression.codec, timestamp type, legacy format, ...), on the data columns.
   */
  private ParquetTaskWriter.Encoding parquetEncoding() {
    SparkSession spark = SparkSession.active();
    SQLConf conf = spark.sessionState().conf();
    try {
      Job hadoopJob = Job.getInstance(spark.sessionState().newHadoopConfWithOptions(options.forSpark()));
      // Our row group size (parquetRowGroupSize, 64m by default) unless Parquet's own key is given alone.
      if (options.option("parquetRowGroupSize") != null || options.option(ParquetOutputFormat.BLOCK_SIZE) == null) {
        hadoopJob.getConfiguration().setLong(ParquetOutputFormat.BLOCK_SIZE, options.parquetRowGroupBytes);
      }
      StructType data = new StructType();
      for (StructField f : schema.fields()) {
        if (!partitions.contains(f.name())) {
          data = data.add(f);
        }
      }
      OutputWriterFactory factory = ParquetUtils.prepareWrite(conf, hadoopJob, data,
          new ParquetOptions(options.forSpark(), conf));
      long maxRecords = options.maxRecordsPerFile != null ? options.maxRecordsPerFile : conf.maxRecordsPerFile();
      return new ParquetTaskWriter.Encoding(factory, new SerializableConfiguration(hadoopJob.getConfiguration()),
          maxRecords > 0 ? maxRecords : Long.MAX_VALUE);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot prepare Spark's Parquet writer", e);
    }
  }

  /**
   * Rows arrive sorted by the partition columns within each task, as Spark's file writers sort them, so a task
   * writes one partition folder at a time. Nothing more: the tasks are the query's (no shuffle of ours), and
   * the sort is stable, so a user's sortWithinPartitions stays within each folder's file.
   */
  private abstract class ClusteredWrite implements Write, RequiresDistributionAndOrdering {
    @Override
    public Distribution requiredDistribution() {
      return Distributions.unspecified();
    }

    @Override
    public SortOrder[] requiredOrdering() {
      return rowsSorted ? new SortOrder[0] : java.util.Arrays.stream(partitions.schema().fieldNames())
          .map(name -> Expressions.sort(Expressions.column(QuotingUtils.quoteIdentifier(name)),
              SortDirection.ASCENDING))
          .toArray(SortOrder[]::new);
    }
  }

  private final class JobWrite implements BatchWrite {
    private final TableWrite job;
    private final ParquetTaskWriter.Encoding parquet;

    JobWrite(TableWrite job, ParquetTaskWriter.Encoding parquet) {
      this.job = job;
      this.parquet = parquet;
    }

    @Override
    public DataWriterFactory createBatchWriterFactory(PhysicalWriteInfo info) {
      return new WriterFactory(job, schema, partitions, parquet);
    }

    @Override
    public boolean useCommitCoordinator() {
      // One committed attempt per partition, even with speculation: the others' keys are never committed.
      return true;
    }

    @Override
    public void commit(WriterCommitMessage[] messages) {
      List<WrittenObject> all = new ArrayList<>();
      for (WriterCommitMessage m : messages) {
        if (m != null) {
          all.addAll(((TaskObjects) m).objects());
        }
      }
      job.commit(all);
    }

    @Override
    public void abort(WriterCommitMessage[] messages) {
      job.abort();
    }
  }
}
