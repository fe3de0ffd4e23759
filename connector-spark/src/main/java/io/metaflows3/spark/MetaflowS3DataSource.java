package io.metaflows3.spark;

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
  private Map<String, String> inferredFor;
  private StructType inferredSchema;
  private PartitionColumns inferredPartitions;

  @Override
  public String shortName() {
    return "metaflow-s3";
  }

  @Override
  public boolean supportsExternalMetadata() {
    return true;
  }

  @Override
  public StructType inferSchema(CaseInsensitiveStringMap options) {
    infer(options);
    return inferredSchema;
  }

  @Override
  public Transform[] inferPartitioning(CaseInsensitiveStringMap options) {
    infer(options);
    return identity(inferredPartitions.schema().fieldNames());
  }

  @Override
  public Table getTable(StructType schema, Transform[] partitioning, Map<String, String> properties) {
    List<StructField> partitionFields = new ArrayList<>();
    for (Transform t : partitioning) {
      if (!t.name().equals("identity") || t.references().length != 1) {
        throw new IllegalArgumentException("metaflow-s3 supports partitioning by columns only, got " + t.describe());
      }
      String column = t.references()[0].fieldNames()[0];
      if (!schema.getFieldIndex(column).isDefined()) {
        throw new IllegalArgumentException("partition column '" + column + "' is not in the schema");
      }
      partitionFields.add(schema.apply(column));
    }
    return new MetaflowS3Table(schema, partitioning,
        PartitionColumns.of(DataTypes.createStructType(partitionFields), sessionZone()), properties);
  }

  /** Lists the locations once per options (Spark asks for schema and partitioning separately). */
  private void infer(CaseInsensitiveStringMap options) {
    Map<String, String> key = options.asCaseSensitiveMap();
    if (key.equals(inferredFor)) {
      return;
    }
    SourceOptions parsed = SourceOptions.parse(options);
    List<ObjectRange> objects = MetaflowS3Scan.listObjects(parsed,
        PartitionColumns.of(new StructType(), sessionZone()), PartitionFilter.ALL);
    PartitionColumns partitions = PartitionColumns.infer(objects, sessionZone());
    StructType data = switch (parsed.format) {
      case BINARY -> BinaryRowReader.SCHEMA;
      case TEXT -> DataTypes.createStructType(List.of(DataTypes.createStructField("value", DataTypes.StringType,
          false)));
      case PARQUET -> parquetSchema(parsed, objects);
    };
    StructType schema = data;
    for (StructField f : partitions.schema().fields()) {
      if (!data.getFieldIndex(f.name()).isDefined()) {
        schema = schema.add(f);
      }
    }
    inferredFor = Map.copyOf(key);
    inferredSchema = schema;
    inferredPartitions = partitions;
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
