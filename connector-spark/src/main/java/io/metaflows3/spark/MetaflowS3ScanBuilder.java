package io.metaflows3.spark;

import io.metaflows3.core.table.PartitionFilter;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.connector.read.SupportsPushDownFilters;
import org.apache.spark.sql.connector.read.SupportsPushDownRequiredColumns;
import org.apache.spark.sql.sources.Filter;
import org.apache.spark.sql.types.StructType;

/**
 * Takes Spark's filters and column list: filters on partition columns become a typed partition filter
 * applied while listing; unselected columns are never read (no GET for an unselected content).
 */
final class MetaflowS3ScanBuilder implements ScanBuilder, SupportsPushDownFilters, SupportsPushDownRequiredColumns {
  private final SourceOptions options;
  private final PartitionColumns partitions;
  private final boolean userSchema;
  private StructType schema;
  private PartitionFilter filter = PartitionFilter.ALL;
  private Filter[] pushed = new Filter[0];

  MetaflowS3ScanBuilder(SourceOptions options, StructType schema, PartitionColumns partitions, boolean userSchema) {
    this.userSchema = userSchema;
    this.options = options;
    this.schema = schema;
    this.partitions = partitions;
  }

  @Override
  public Filter[] pushFilters(Filter[] filters) {
    List<Filter> used = new ArrayList<>();
    for (Filter f : filters) {
      PartitionFilter translated = PartitionFilters.translate(f, partitions::contains);
      if (translated != null) {
        filter = filter.and(translated);
        used.add(f);
      }
    }
    pushed = used.toArray(Filter[]::new);
    // Pruning is by partition only: Spark still evaluates every filter on the rows read.
    return filters;
  }

  @Override
  public Filter[] pushedFilters() {
    return pushed;
  }

  @Override
  public void pruneColumns(StructType required) {
    this.schema = required;
  }

  @Override
  public Scan build() {
    return new MetaflowS3Scan(options, schema, partitions, filter, pushed, userSchema);
  }
}
