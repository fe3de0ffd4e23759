package io.metaflows3.spark;

import io.metaflows3.core.ObjectRange;
import io.metaflows3.core.table.PartitionFilter;
import io.metaflows3.core.table.ReadPlanner;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.connector.metric.CustomMetric;
import org.apache.spark.sql.connector.read.Batch;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.sources.Filter;
import org.apache.spark.sql.types.StructType;

/**
 * A planned read: lists the locations with the pushed partition filter (pruned prefixes are never listed)
 * and turns the core planner's splits into input partitions.
 */
final class MetaflowS3Scan implements Scan, Batch {
  private final SourceOptions options;
  private final StructType readSchema;
  private final PartitionColumns partitions;
  private final PartitionFilter filter;
  private final Filter[] pushed;
  private final boolean userSchema;
  private InputPartition[] planned;

  MetaflowS3Scan(SourceOptions options, StructType readSchema, PartitionColumns partitions, PartitionFilter filter,
      Filter[] pushed, boolean userSchema) {
    this.userSchema = userSchema;
    this.options = options;
    this.readSchema = readSchema;
    this.partitions = partitions;
    this.filter = filter;
    this.pushed = pushed;
  }

  @Override
  public StructType readSchema() {
    return readSchema;
  }

  @Override
  public String description() {
    return "MetaflowS3Scan[format=" + options.format.name().toLowerCase() + ", locations=" + options.locations
        + ", partitions=" + filter + ", pushedFilters=" + Arrays.toString(pushed) + "]";
  }

  @Override
  public Batch toBatch() {
    return this;
  }

  /** Lists and splits once per scan, however often Spark asks. */
  @Override
  public synchronized InputPartition[] planInputPartitions() {
    if (planned == null) {
      List<ObjectRange> objects = listObjects(options, partitions, filter, userSchema);
      // A binary row is a whole object: never cut one.
      long target = options.format == SourceOptions.Format.BINARY ? Long.MAX_VALUE : options.splitBytes;
      planned = ReadPlanner.split(objects, target).stream().map(SplitPartition::new).toArray(InputPartition[]::new);
    }
    return planned;
  }

  /** The objects to read (the table contract's), with partition values taken relative to basePath if set. */
  static List<ObjectRange> listObjects(SourceOptions options, PartitionColumns partitions, PartitionFilter filter,
      boolean emptyIsATable) {
    ReadPlanner planner = new ReadPlanner(ExecutorClients.get(options.settings), partitions.zone());
    return (emptyIsATable ? planner.allowingEmptyLocations() : planner)
        .list(options.locations, options.basePath, partitions.coreSchema(), filter);
  }

  @Override
  public PartitionReaderFactory createReaderFactory() {
    return new ReaderFactory(options.format, options.settings, readSchema, partitions);
  }

  @Override
  public CustomMetric[] supportedCustomMetrics() {
    return S3TaskMetrics.supported();
  }
}
