package io.metaflows3.spark;

import io.metaflows3.core.MetaflowS3NotFound;
import io.metaflows3.core.ObjectRange;
import io.metaflows3.core.ParquetRangeReader;
import io.metaflows3.core.table.PartitionFilter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableProvider;
import org.apache.spark.sql.connector.expressions.Expressions;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.sources.DataSourceRegister;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * The {@code metaflow-s3} data source: {@code spark.read.format("metaflow-s3").load("s3://bucket/prefix/")}
 * and {@code df.write.format("metaflow-s3")}. Formats: parquet (default), text, binary. Hive-style
 * {@code k=v/} prefixes become partition columns, and filters on them prune the listing.
 */
public final class MetaflowS3DataSource implements TableProvider, DataSourceRegister {
  private Map<String, String> listedFor;
  private List<ObjectRange> listed;
  private PartitionColumns listedPartitions;
  private StructType inferredSchema;

  @Override
  public String shortName() {
    return "metaflow-s3";
  }

  @Override
  public boolean supportsExternalMetadata() {
    return true;
  }

  /** The files' schema (a Parquet footer, or the text/binary row) with the partition columns appended. */
  @Override
  public StructType inferSchema(CaseInsensitiveStringMap options) {
    SourceOptions parsed = list(options);
    if (listed.isEmpty()) {
      throw new MetaflowS3NotFound("nothing to read below " + parsed.locations + " (give a schema with .schema(..) "
          + "to read it as an empty table)", parsed.locations.get(0), null);
    }
    StructType data = switch (parsed.format) {
      case BINARY -> BinaryRowReader.SCHEMA;
      case TEXT -> DataTypes.createStructType(List.of(DataTypes.createStructField("value", DataTypes.StringType,
          false)));
      case PARQUET -> parquetSchema(parsed, listed);
    };
    inferredSchema = withPartitions(data, listedPartitions.schema());
    return inferredSchema;
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
    boolean userSchema = !schema.equals(inferredSchema);
    return new MetaflowS3Table(full, partitioning,
        PartitionColumns.of(DataTypes.createStructType(partitionFields), sessionZone()), properties, userSchema);
  }

  /** Lists the locations once per options (Spark asks for schema and partitioning separately). */
  private SourceOptions list(CaseInsensitiveStringMap options) {
    SourceOptions parsed = SourceOptions.parse(options);
    Map<String, String> key = options.asCaseSensitiveMap();
    if (!key.equals(listedFor)) {
      listed = MetaflowS3Scan.listObjects(parsed, PartitionColumns.of(new StructType(), sessionZone()),
          PartitionFilter.ALL, true);
      listedPartitions = PartitionColumns.infer(listed, sessionZone());
      listedFor = Map.copyOf(key);
    }
    return parsed;
  }

  private static StructType withPartitions(StructType data, StructType partitions) {
    StructType schema = data;
    for (StructField f : partitions.fields()) {
      if (!data.getFieldIndex(f.name()).isDefined()) {
        schema = schema.add(f);
      }
    }
    return schema;
  }

  private static StructType parquetSchema(SourceOptions options, List<ObjectRange> objects) {
    if (objects.isEmpty()) {
      throw new IllegalArgumentException("no Parquet files to infer a schema from in " + options.locations
          + ": give one with .schema(..)");
    }
    ObjectRange first = objects.get(0);
    return ParquetSchemas.toSpark(ParquetRangeReader.schemaOf(ExecutorClients.get(options.settings), first.url(),
        first.size()));
  }

  private static String sessionZone() {
    return SQLConf.get().sessionLocalTimeZone();
  }

  private static Transform[] identity(String[] columns) {
    Transform[] transforms = new Transform[columns.length];
    for (int i = 0; i < columns.length; i++) {
      transforms[i] = Expressions.identity(columns[i]);
    }
    return transforms;
  }
}
