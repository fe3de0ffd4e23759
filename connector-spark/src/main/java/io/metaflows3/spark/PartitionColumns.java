package io.metaflows3.spark;

import io.metaflows3.core.api.ObjectRange;
import io.metaflows3.core.table.PartitionSchema;
import io.metaflows3.core.table.PartitionType;
import java.io.Serializable;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.execution.datasources.PartitionSpec;
import org.apache.spark.sql.execution.datasources.PartitioningUtils;
import org.apache.spark.sql.execution.datasources.PartitioningUtils$;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.Option;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The partition columns of a table as Spark sees them: names and types inferred by Spark's own code (or a Delta
 * table's log, or the user's schema), values cast from the folder text by Spark's own
 * {@code PartitioningUtils.castPartValueToDesiredType}, in the session's time zone.
 */
final class PartitionColumns implements Serializable {
  private static final long serialVersionUID = 2L;
  private final StructType schema;
  private final String zone;

  private PartitionColumns(StructType schema, String zone) {
    this.schema = schema;
    this.zone = zone;
  }

  /**
   * The partition columns of the listed objects, typed by Spark's own inference
   * ({@code PartitioningUtils.parsePartitions}, as its file index calls it) with the session's settings: type
   * inference on or off, {@code timestampType}, case sensitivity, validation, invalid paths ignored or not.
   * Each object's partition folders are given to it as a path below a stand-in base; an error when they name
   * different columns, as in Spark.
   */
  static PartitionColumns infer(List<ObjectRange> objects, String zone) {
    SQLConf conf = SQLConf.get();
    Path base = new Path("/");
    Set<Path> leaves = new LinkedHashSet<>();
    for (ObjectRange o : objects) {
      StringBuilder folders = new StringBuilder("/");
      o.partitionValues().forEach((name, raw) -> folders.append(name).append('=').append(raw).append('/'));
      leaves.add(new Path(folders.toString()));
    }
    PartitionSpec spec = PartitioningUtils$.MODULE$.parsePartitions(
        CollectionConverters.asScala(List.copyOf(leaves)).toList(), conf.partitionColumnTypeInferenceEnabled(),
        CollectionConverters.asScala(Set.of(base)).toSet(), Option.empty(), conf.caseSensitiveAnalysis(),
        conf.validatePartitionColumns(), zone, conf.ignoreInvalidPartitionPaths());
    return new PartitionColumns(spec.partitionColumns(), zone);
  }

  static PartitionColumns of(StructType schema, String zone) {
    return new PartitionColumns(schema, zone);
  }

  StructType schema() {
    return schema;
  }

  boolean contains(String name) {
    return schema.getFieldIndex(name).isDefined();
  }

  /** The columns' types in core's terms, for typed pruning while listing (columns of other types left out). */
  PartitionSchema coreSchema() {
    Map<String, PartitionType> types = new LinkedHashMap<>();
    for (StructField f : schema.fields()) {
      PartitionType t = coreType(f.dataType());
      if (t != null) {
        types.put(f.name(), t);
      }
    }
    return new PartitionSchema(types);
  }

  /**
   * Whether core can compare a column's values as Spark does (its type is one of core's): only then is a filter
   * on it evaluated while listing; any other (FLOAT, BOOLEAN, TIMESTAMP_NTZ, scaled decimals, ...) is left to
   * Spark's own evaluation of the partition values.
   */
  boolean typedInCore(String name) {
    return contains(name) && coreType(schema.apply(name).dataType()) != null;
  }

  ZoneId zone() {
    return ZoneId.of(zone);
  }

  /** The value of partition column {@code name} for an object, in Spark's internal form. */
  Object value(String name, Map<String, String> partitionValues) {
    String raw = partitionValues.get(name);
    if (raw == null) {
      return null;
    }
    return PartitioningUtils.castPartValueToDesiredType(schema.apply(name).dataType(), raw, zone());
  }

  private static DataType sparkType(PartitionType type) {
    return switch (type.kind()) {
      case NULL -> DataTypes.NullType;
      case INT -> DataTypes.IntegerType;
      case LONG -> DataTypes.LongType;
      case DECIMAL -> DataTypes.createDecimalType(type.precision(), 0);
      case DOUBLE -> DataTypes.DoubleType;
      case DATE -> DataTypes.DateType;
      case TIMESTAMP -> DataTypes.TimestampType;
      case STRING -> DataTypes.StringType;
    };
  }

  private static PartitionType coreType(DataType type) {
    if (type instanceof DecimalType d) {
      return d.scale() == 0 ? PartitionType.decimal(d.precision()) : null;
    }
    for (PartitionType t : List.of(PartitionType.NULL, PartitionType.INT, PartitionType.LONG, PartitionType.DOUBLE,
        PartitionType.DATE, PartitionType.TIMESTAMP, PartitionType.STRING)) {
      if (sparkType(t).equals(type)) {
        return t;
      }
    }
    return null;
  }
}
