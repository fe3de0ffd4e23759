package io.metaflows3.spark;

import io.metaflows3.core.table.ReadPlanner;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.connector.catalog.SupportsRead;
import org.apache.spark.sql.connector.catalog.SupportsWrite;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.connector.write.LogicalWriteInfo;
import org.apache.spark.sql.connector.write.WriteBuilder;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/** A prefix (or several) of S3 as a Spark table: for batch reads, or (of {@link MetaflowS3DataSource.Writes}) appends and overwrites. */
final class MetaflowS3Table implements SupportsRead, SupportsWrite {
  private final StructType schema;
  private final Transform[] partitioning;
  private final PartitionColumns partitions;
  private final Map<String, String> properties;
  private final boolean writes;
  private final ReadPlanner.Listing listed;

  /**
   * {@code writes}: the table takes batch writes (else batch reads). {@code listed}: the listing the schema was
   * inferred from, which its scans prune instead of listing again (null: scans list).
   */
  MetaflowS3Table(StructType schema, Transform[] partitioning, PartitionColumns partitions,
      Map<String, String> properties, boolean writes, ReadPlanner.Listing listed) {
    this.writes = writes;
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

  @Override
  public Set<TableCapability> capabilities() {
    return writes ? EnumSet.of(TableCapability.BATCH_WRITE, TableCapability.TRUNCATE)
        : EnumSet.of(TableCapability.BATCH_READ);
  }

  @Override
  public ScanBuilder newScanBuilder(CaseInsensitiveStringMap options) {
    return new MetaflowS3ScanBuilder(SourceOptions.parse(options), schema, partitions, listed);
  }

  @Override
  public WriteBuilder newWriteBuilder(LogicalWriteInfo info) {
    return new MetaflowS3WriteBuilder(SourceOptions.parse(info.options()), info.schema(), partitions);
  }
}
