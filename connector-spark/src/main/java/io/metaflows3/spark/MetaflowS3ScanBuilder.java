package io.metaflows3.spark;

import io.metaflows3.core.table.PartitionFilter;
import io.metaflows3.core.table.ReadPlanner;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.catalyst.util.RebaseDateTime;
import org.apache.spark.sql.connector.expressions.filter.PartitionPredicate;
import org.apache.spark.sql.connector.expressions.filter.Predicate;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.connector.read.SupportsPushDownV2Filters;
import org.apache.spark.sql.connector.read.SupportsPushDownRequiredColumns;
import org.apache.spark.sql.execution.datasources.parquet.ParquetFilters;
import org.apache.spark.sql.execution.datasources.parquet.SparkToParquetSchemaConverter;
import org.apache.spark.sql.internal.LegacyBehaviorPolicy;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.internal.connector.PredicateUtils;
import org.apache.spark.sql.sources.Filter;
import org.apache.spark.sql.connector.expressions.LiteralValue;
import org.apache.spark.sql.connector.expressions.NamedReference;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.Option;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Takes Spark's predicates and columns. Predicates on partition columns become a typed partition filter that
 * prunes the table's listing (pruned partitions are never read), and any other deterministic one is evaluated by
 * Spark on each object's partition values; predicates on Parquet columns that Spark's own {@code ParquetFilters}
 * can convert go to its reader (row groups skipped by statistics, dictionaries and column indexes). The plan shows
 * them as pushed; Spark still evaluates every predicate on the rows read, as none is exact per row.
 */
final class MetaflowS3ScanBuilder implements ScanBuilder, SupportsPushDownV2Filters, SupportsPushDownRequiredColumns {
  private final SourceOptions options;
  private final StructType tableSchema;
  private final PartitionColumns partitions;
  private final ReadPlanner.Listing listed;
  private StructType required;
  private PartitionFilter partitionFilter = PartitionFilter.ALL;
  private PartitionFilter statisticsFilter = PartitionFilter.ALL;
  private final List<Filter> partitionFilters = new ArrayList<>();
  private final List<Filter> dataFilters = new ArrayList<>();
  private final List<PartitionPredicate> partitionPredicates = new ArrayList<>();
  private final List<Predicate> pushed = new ArrayList<>();

  MetaflowS3ScanBuilder(SourceOptions options, StructType schema, PartitionColumns partitions,
      ReadPlanner.Listing listed) {
    this.listed = listed;
    this.options = options;
    this.tableSchema = schema;
    this.required = schema;
    this.partitions = partitions;
  }

  /**
   * Takes Spark's predicates, in two passes (iterative pushdown). First the predicates as such: those core can
   * state on partition columns prune the listing, those Parquet's reader can use go to it, and on a Delta table
   * the ones on columns skip files by statistics. Then Spark's {@link PartitionPredicate}s for every other
   * deterministic condition on partition columns ({@code LIKE}, {@code length(..)}, {@code p % 5 = 0}, ...):
   * Spark's own evaluation of the expression on each listed object's partition values. Every predicate is
   * returned as well, as neither kind of pruning is exact per row: Spark still evaluates each on the rows read.
   */
  @Override
  public Predicate[] pushPredicates(Predicate[] predicates) {
    for (Predicate p : predicates) {
      if (p instanceof PartitionPredicate onPartitionValues) {
        partitionPredicates.add(onPartitionValues);
        pushed.add(p);
        continue;
      }
      Filter v1 = exactV1(p, tableSchema);
      if (v1 != null && push(v1)) {
        pushed.add(p);
      }
    }
    return predicates;
  }

  /**
   * Spark's V1 form of a predicate, or null where it would not be the same condition: Spark's
   * {@code PredicateUtils.toV1} keeps the one side of an OR it can convert (a stronger condition, which would
   * prune files that match), so a compound predicate is converted only when each part is; and it drops a string's
   * collation, so a comparison of collated strings ({@code UTF8_LCASE}, ...) is not converted (Spark evaluates it).
   */
  static Filter exactV1(Predicate p, StructType schema) {
    if (p.name().equals("AND") || p.name().equals("OR") || p.name().equals("NOT")) {
      for (var child : p.children()) {
        if (!(child instanceof Predicate part) || exactV1(part, schema) == null) {
          return null;
        }
      }
    } else {
      for (var child : p.children()) {
        if (collated(child, schema)) {
          return null;
        }
      }
    }
    Option<Filter> v1 = PredicateUtils.toV1(p);
    return v1.isDefined() ? v1.get() : null;
  }

  /** Whether an operand is a string of a collation other than binary UTF-8 (a column of one, or a literal). */
  private static boolean collated(org.apache.spark.sql.connector.expressions.Expression operand, StructType schema) {
    DataType type = operand instanceof LiteralValue<?> literal ? literal.dataType()
        : operand instanceof NamedReference column && column.fieldNames().length == 1
            && schema.getFieldIndex(column.fieldNames()[0]).isDefined()
            ? schema.apply(column.fieldNames()[0]).dataType() : null;
    return type instanceof StringType string && !string.isUTF8BinaryCollation();
  }

  /** Whether a filter prunes partitions, goes to Parquet's reader, or skips a Delta table's files. */
  private boolean push(Filter f) {
    PartitionFilter translated = PartitionFilters.translate(f, partitions::typedInCore);
    if (translated != null) {
      partitionFilter = partitionFilter.and(translated);
      partitionFilters.add(f);
      return true;
    }
    boolean used = false;
    if (!listed.deltaTables().isEmpty()) {
      PartitionFilter onColumns = PartitionFilters.translate(f, MetaflowS3ScanBuilder::isTopLevel);
      statisticsFilter = onColumns == null ? statisticsFilter : statisticsFilter.and(onColumns);
      used = onColumns != null;
    }
    if (options.format == SourceOptions.Format.PARQUET && Arrays.stream(f.references()).noneMatch(partitions::contains)
        && parquetConvertible(List.of(f)).length == 1) {
      dataFilters.add(f);
      used = true;
    }
    return used;
  }

  @Override
  public boolean supportsIterativePushdown() {
    return true;
  }

  @Override
  public Predicate[] pushedPredicates() {
    return pushed.toArray(Predicate[]::new);
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
  public void pruneColumns(StructType requiredSchema) {
    this.required = requiredSchema;
  }

  /** The columns of {@code schema} that live in the files, not in partition folders nor file metadata. */
  private StructType dataSchema(StructType schema) {
    StructType data = new StructType();
    for (StructField f : schema.fields()) {
      if (!partitions.contains(f.name()) && !f.name().equals(MetaflowS3Table.METADATA)) {
        data = data.add(f);
      }
    }
    return data;
  }

  @Override
  public Scan build() {
    StructType readPartitions = new StructType();
    // Partition values and file metadata are constant per file: Spark's readers append them to each row.
    for (StructField f : required.fields()) {
      if (partitions.contains(f.name())) {
        readPartitions = readPartitions.add(f);
      }
    }
    if (required.getFieldIndex(MetaflowS3Table.METADATA).isDefined()) {
      if (options.format == SourceOptions.Format.BINARY) {
        throw new IllegalArgumentException("format binary rows carry their object's url, size and last_modified "
            + "already; _metadata is for parquet and text");
      }
      readPartitions = readPartitions.add(required.apply(MetaflowS3Table.METADATA));
    }
    return new MetaflowS3Scan(options, dataSchema(tableSchema), dataSchema(required), readPartitions, partitions,
        partitionFilter, statisticsFilter, partitionPredicates, partitionFilters.toArray(Filter[]::new),
        dataFilters.toArray(Filter[]::new), listed);
  }
}
