package io.metaflows3.spark;

import io.metaflows3.core.api.ObjectRange;
import io.metaflows3.core.table.ReadPlanner;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.connector.catalog.MetadataColumn;
import org.apache.spark.sql.connector.catalog.SupportsMetadataColumns;
import org.apache.spark.sql.connector.catalog.SupportsPartitionManagement;
import org.apache.spark.sql.connector.catalog.SupportsRead;
import org.apache.spark.sql.connector.catalog.SupportsWrite;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.connector.write.LogicalWriteInfo;
import org.apache.spark.sql.connector.write.WriteBuilder;
import org.apache.spark.sql.execution.datasources.FileFormat$;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/** A prefix (or several) of S3 as a Spark table: for batch reads, or (of {@link MetaflowS3DataSource.Writes}) appends and overwrites. */
final class MetaflowS3Table implements SupportsRead, SupportsWrite, SupportsMetadataColumns,
    SupportsPartitionManagement {
  private final StructType schema;
  private final Transform[] partitioning;
  private final PartitionColumns partitions;
  private final Map<String, String> properties;
  private final Set<TableCapability> capabilities;
  private final ReadPlanner.Listing listed;

  /** What a table read with {@code spark.read()} does. */
  static final Set<TableCapability> READS = Set.copyOf(EnumSet.of(TableCapability.BATCH_READ));
  /** What a table written with {@code df.write()} does: appends, overwrites, dynamic partition overwrites. */
  static final Set<TableCapability> WRITES = Set.copyOf(EnumSet.of(TableCapability.BATCH_WRITE,
      TableCapability.TRUNCATE, TableCapability.OVERWRITE_BY_FILTER, TableCapability.OVERWRITE_DYNAMIC));
  /** What a table of Spark's catalog does: both. */
  static final Set<TableCapability> READS_AND_WRITES = Set.copyOf(EnumSet.of(TableCapability.BATCH_READ,
      TableCapability.BATCH_WRITE, TableCapability.TRUNCATE, TableCapability.OVERWRITE_BY_FILTER,
      TableCapability.OVERWRITE_DYNAMIC));

  /**
   * {@code capabilities}: one of the sets above. {@code listed}: the listing the schema was inferred from, which
   * its scans prune instead of listing again (null, as for a table of the catalog: each scan lists).
   */
  MetaflowS3Table(StructType schema, Transform[] partitioning, PartitionColumns partitions,
      Map<String, String> properties, Set<TableCapability> capabilities, ReadPlanner.Listing listed) {
    this.capabilities = capabilities;
    this.listed = listed;
    this.schema = schema;
    this.partitioning = partitioning;
    this.partitions = partitions;
    this.properties = properties;
  }

  @Override
  public String name() {
    return "metaflow-s3";
  }

  @Override
  public StructType schema() {
    return schema;
  }

  @Override
  public Transform[] partitioning() {
    return partitioning;
  }

  @Override
  public Map<String, String> properties() {
    return properties;
  }

  /** Spark's file metadata column, {@code _metadata} (file path, name, size, block, modification time). */
  static final String METADATA = FileFormat$.MODULE$.METADATA_NAME();

  @Override
  public MetadataColumn[] metadataColumns() {
    StructType fields = new StructType(scala.jdk.javaapi.CollectionConverters.asJava(
        FileFormat$.MODULE$.BASE_METADATA_FIELDS()).toArray(StructField[]::new));
    return new MetadataColumn[] {new MetadataColumn() {
      @Override
      public String name() {
        return METADATA;
      }

      @Override
      public DataType dataType() {
        return fields;
      }

      @Override
      public boolean isNullable() {
        return false;
      }
    }};
  }

  @Override
  public Set<TableCapability> capabilities() {
    return capabilities;
  }

  @Override
  public ScanBuilder newScanBuilder(CaseInsensitiveStringMap options) {
    SourceOptions parsed = SourceOptions.parse(withTableOptions(options));
    return new MetaflowS3ScanBuilder(parsed, schema, partitions,
        listed != null ? listed : MetaflowS3DataSource.listing(parsed));
  }

  @Override
  public WriteBuilder newWriteBuilder(LogicalWriteInfo info) {
    Map<String, String> given = new HashMap<>(withTableOptions(info.options()).asCaseSensitiveMap());
    boolean sorted = given.remove(MetaflowS3DataSource.ROWS_SORTED) != null;
    return new MetaflowS3WriteBuilder(SourceOptions.parse(new CaseInsensitiveStringMap(given)), info.schema(),
        partitions, sorted);
  }

  /**
   * The options of a scan or write over the table's own: a catalog table's location and options live in its
   * properties, and a query's options (a reader's or writer's, SQL's WITH) come on top.
   */
  private CaseInsensitiveStringMap withTableOptions(CaseInsensitiveStringMap given) {
    Map<String, String> all = new HashMap<>(SourceOptions.ofTable(properties));
    all.putAll(given.asCaseSensitiveMap());
    return new CaseInsensitiveStringMap(all);
  }

  // ---- partitions (SHOW PARTITIONS): the values of the files a read would read, never a list of our own ----

  @Override
  public StructType partitionSchema() {
    return partitions.schema();
  }

  /**
   * Each distinct partition of the table's files (a Delta table's from its snapshot, folders' from the listing),
   * in the order of the first file that has it; those whose columns {@code names} hold {@code ident}'s values.
   */
  @Override
  public InternalRow[] listPartitionIdentifiers(String[] names, InternalRow ident) {
    ReadPlanner.Listing files = listed != null ? listed
        : MetaflowS3DataSource.listing(SourceOptions.parse(withTableOptions(CaseInsensitiveStringMap.empty())));
    String[] columns = partitions.schema().fieldNames();
    List<Integer> matched = Arrays.stream(names).map(n -> Arrays.asList(columns).indexOf(n)).toList();
    Set<List<Object>> seen = new LinkedHashSet<>();
    for (ObjectRange o : files.objects()) {
      List<Object> values = new ArrayList<>(columns.length);
      for (String column : columns) {
        values.add(partitions.value(column, o.partitionValues()));
      }
      seen.add(values);
    }
    List<InternalRow> rows = new ArrayList<>();
    for (List<Object> values : seen) {
      InternalRow row = new GenericInternalRow(values.toArray());
      boolean match = true;
      for (int i = 0; i < matched.size() && match; i++) {
        Object want = ident.isNullAt(i) ? null : ident.get(i, partitions.schema().fields()[matched.get(i)].dataType());
        match = java.util.Objects.equals(want, values.get(matched.get(i)));
      }
      if (match) {
        rows.add(row);
      }
    }
    return rows.toArray(InternalRow[]::new);
  }

  @Override
  public void createPartition(InternalRow ident, Map<String, String> properties) {
    throw refused("ADD PARTITION");
  }

  @Override
  public boolean dropPartition(InternalRow ident) {
    throw refused("DROP PARTITION");
  }

  @Override
  public void replacePartitionMetadata(InternalRow ident, Map<String, String> properties) {
    throw refused("partition properties");
  }

  @Override
  public Map<String, String> loadPartitionMetadata(InternalRow ident) {
    return Map.of();
  }

  /** A table's partitions are the values its files hold (a Delta table's log names them): none are kept apart. */
  private static UnsupportedOperationException refused(String what) {
    return new UnsupportedOperationException("metaflow-s3 tables do not support " + what + ": a partition exists "
        + "while files of it do; write rows to make one, and replace a partition's rows with INSERT OVERWRITE");
  }
}
