package io.metaflows3.spark;

import io.metaflows3.core.table.PartitionFilter;
import io.metaflows3.core.table.ReadPlanner;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.catalyst.util.RebaseDateTime;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.connector.read.SupportsPushDownFilters;
import org.apache.spark.sql.connector.read.SupportsPushDownRequiredColumns;
import org.apache.spark.sql.execution.datasources.parquet.ParquetFilters;
import org.apache.spark.sql.execution.datasources.parquet.SparkToParquetSchemaConverter;
import org.apache.spark.sql.internal.LegacyBehaviorPolicy;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.sources.Filter;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.Option;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Takes Spark's filters and columns. Filters on partition columns become a typed partition filter that prunes
 * the table's listing (pruned partitions are never read); filters on Parquet columns that Spark's own
 * {@code ParquetFilters} can convert go to its reader (row groups skipped by statistics, dictionaries and column indexes). Both kinds
 * show in the plan as pushed; Spark still evaluates every filter on the rows read, as neither is exact per row.
 */
final class MetaflowS3ScanBuilder implements ScanBuilder, SupportsPushDownFilters, SupportsPushDownRequiredColumns {
  private final SourceOptions options;
  private final StructType tableSchema;
  private final PartitionColumns partitions;
  private final ReadPlanner.Listing listed;
  private StructType required;
  private PartitionFilter partitionFilter = PartitionFilter.ALL;
  private PartitionFilter statisticsFilter = PartitionFilter.ALL;
  private Filter[] partitionFilters = new Filter[0];
  private Filter[] dataFilters = new Filter[0];

  MetaflowS3ScanBuilder(SourceOptions options, StructType schema, PartitionColumns partitions,
      ReadPlanner.Listing listed) {
    this.listed = listed;
    this.options = options;
    this.tableSchema = schema;
    this.required = schema;
    this.partitions = partitions;
  }

  @Override
  public Filter[] pushFilters(Filter[] filters) {
    List<Filter> onPartitions = new ArrayList<>();
    List<Filter> onData = new ArrayList<>();
    for (Filter f : filters) {
      PartitionFilter translated = PartitionFilters.translate(f, partitions::contains);
      if (translated != null) {
        partitionFilter = partitionFilter.and(translated);
        onPartitions.add(f);
      } else if (Arrays.stream(f.references()).noneMatch(partitions::contains)) {
        onData.add(f);
      }
      if (translated == null && !listed.deltaTables().isEmpty()) {
        PartitionFilter onColumns = PartitionFilters.translate(f, MetaflowS3ScanBuilder::isTopLevel);
        statisticsFilter = onColumns == null ? statisticsFilter : statisticsFilter.and(onColumns);
      }
    }
    partitionFilters = onPartitions.toArray(Filter[]::new);
    dataFilters = options.format == SourceOptions.Format.PARQUET ? parquetConvertible(onData) : new Filter[0];
    return filters;
  }

  /** The filters Spark's Parquet reader can push into row-group skipping, decided by Spark's own code. */
  private Filter[] parquetConvertible(List<Filter> filters) {
    SQLConf conf = SQLConf.get();
    ParquetPushDown pushDown = ParquetPushDown.of(conf);
    if (!pushDown.enabled() || filters.isEmpty()) {
      return new Filter[0];
    }
    ParquetFilters parquet = pushDown.filters(new SparkToParquetSchemaConverter(conf).convert(dataSchema(tableSchema)),
        new RebaseDateTime.RebaseSpec(LegacyBehaviorPolicy.CORRECTED(), Option.empty()));
    return CollectionConverters.asJava(parquet.convertibleFilters(CollectionConverters.asScala(filters).toSeq()))
        .toArray(Filter[]::new);
  }

  /** Whether a filter's attribute names a top-level column (Spark quotes a name with dots, unquoted ones nest). */
  private static boolean isTopLevel(String attribute) {
    return attribute.indexOf('.') < 0 && attribute.indexOf('`') < 0;
  }

  @Override
  public Filter[] pushedFilters() {
    Filter[] all = Arrays.copyOf(partitionFilters, partitionFilters.length + dataFilters.length);
    System.arraycopy(dataFilters, 0, all, partitionFilters.length, dataFilters.length);
    return all;
  }

  @Override
  public void pruneColumns(StructType requiredSchema) {
    this.required = requiredSchema;
  }

  /** The columns of {@code schema} that live in the files, not in partition folders. */
  private StructType dataSchema(StructType schema) {
    StructType data = new StructType();
    for (StructField f : schema.fields()) {
      if (!partitions.contains(f.name())) {
        data = data.add(f);
      }
    }
    return data;
  }

  @Override
  public Scan build() {
    StructType readPartitions = new StructType();
    for (StructField f : required.fields()) {
      if (partitions.contains(f.name())) {
        readPartitions = readPartitions.add(f);
      }
    }
    return new MetaflowS3Scan(options, dataSchema(tableSchema), dataSchema(required), readPartitions, partitions,
        partitionFilter, statisticsFilter, partitionFilters, dataFilters, listed);
  }
}
