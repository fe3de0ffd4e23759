package io.metaflows3.beam;

import io.metaflows3.core.metaflow.MetaflowS3NotFound;
import io.metaflows3.core.api.ObjectRange;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.core.SharedClients;
import io.metaflows3.core.table.PartitionFilter;
import io.metaflows3.core.table.PartitionSchema;
import io.metaflows3.core.table.PartitionType;
import io.metaflows3.core.table.ReadPlanner;
import io.metaflows3.core.table.TableLayout;
import io.metaflows3.hadoop.FileSystemSettings;
import io.metaflows3.hadoop.ListedObjects;
import io.metaflows3.hadoop.MetaflowS3FileSystem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.LogicalTypes;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.extensions.avro.schemas.utils.AvroUtils;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.logicaltypes.FixedPrecisionNumeric;
import org.apache.beam.sdk.schemas.logicaltypes.SqlTypes;
import org.apache.beam.sdk.values.Row;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.parquet.avro.AvroReadSupport;
import org.apache.parquet.avro.AvroSchemaConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation.DecimalLogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.joda.time.Instant;

/**
 * Parquet records and Beam rows, through Avro: parquet-avro turns a file's records into Avro records, and Beam's
 * own {@link AvroUtils} turns those into rows (dates, timestamps, decimals, nested and repeated fields, with
 * Beam's type mapping); writes go the other way. Two things neither library does: a field named like a hive-style
 * partition column ({@code country=US/}) comes from the object's prefix, and INT96 timestamps (Spark's default
 * until 3.x and still common) become DATETIME; parquet-avro hands them over as 12 raw bytes.
 */
final class ParquetRecords {
  private static final long JULIAN_DAY_OF_EPOCH = 2_440_588;
  private static final long MILLIS_PER_DAY = 86_400_000;

  private ParquetRecords() {}

  /**
   * The configuration Parquet files are read with: the connector-core file system, INT96 handed over as bytes,
   * lists as arrays.
   */
  static Configuration readConf(S3Settings settings) {
    Configuration conf = new Configuration(false);
    FileSystemSettings.apply(conf, settings);
    conf.setBoolean(AvroReadSupport.READ_INT96_AS_FIXED, true);
    // Standard 3-level lists (Spark's, Hive's) are arrays of their elements, not of one-field records.
    conf.setBoolean(AvroSchemaConverter.ADD_LIST_ELEMENT_RECORDS, false);
    return conf;
  }

  /**
   * The top-level columns of a file parquet-avro hands over in a raw form: INT96 timestamps (12 bytes) and
   * decimals stored as INT32 or INT64 (the unscaled number; Spark stores decimals of up to 18 digits so).
   */
  record RawColumns(Set<String> int96, Map<String, DecimalLogicalTypeAnnotation> intDecimals)
      implements java.io.Serializable {
    static RawColumns of(MessageType file) {
      Set<String> int96 = new LinkedHashSet<>();
      Map<String, DecimalLogicalTypeAnnotation> decimals = new java.util.LinkedHashMap<>();
      for (Type t : file.getFields()) {
        if (!t.isPrimitive()) {
          continue;
        }
        PrimitiveTypeName p = t.asPrimitiveType().getPrimitiveTypeName();
        if (p == PrimitiveTypeName.INT96) {
          int96.add(t.getName());
        } else if ((p == PrimitiveTypeName.INT32 || p == PrimitiveTypeName.INT64)
            && t.getLogicalTypeAnnotation() instanceof DecimalLogicalTypeAnnotation d) {
          decimals.put(t.getName(), d);
        }
      }
      return new RawColumns(int96, decimals);
    }

    Object convert(String name, Object raw) {
      if (int96.contains(name)) {
        return int96ToInstant(((GenericData.Fixed) raw).bytes());
      }
      return java.math.BigDecimal.valueOf(((Number) raw).longValue(), intDecimals.get(name).getScale());
    }

    boolean contains(String name) {
      return int96.contains(name) || intDecimals.containsKey(name);
    }
  }

  /**
   * The Beam schema of a file's records (Beam's mapping of parquet-avro's Avro schema; INT96 columns as
   * DATETIME, integer-stored decimals as decimals of their precision and scale), with {@code partitionColumns}
   * appended, nullable, of their types.
   */
  static Schema beamSchema(MessageType file, Configuration conf, Map<String, Schema.FieldType> partitionColumns) {
    RawColumns raw = RawColumns.of(file);
    Schema.Builder b = Schema.builder();
    for (Schema.Field f : AvroUtils.toBeamSchema(new AvroSchemaConverter(conf).convert(file)).getFields()) {
      DecimalLogicalTypeAnnotation d = raw.intDecimals().get(f.getName());
      Schema.FieldType type = raw.int96().contains(f.getName()) ? Schema.FieldType.DATETIME
          : d != null ? Schema.FieldType.logicalType(FixedPrecisionNumeric.of(d.getPrecision(), d.getScale()))
          : null;
      b.addField(type == null ? f : Schema.Field.of(f.getName(), type).withNullable(f.getType().getNullable()));
    }
    partitionColumns.forEach((name, type) -> {
      if (!file.containsField(name)) {
        b.addNullableField(name, type);
      }
    });
    return b.build();
  }

  /**
   * The Beam schema of the Parquet table at {@code locations} (full URLs), with the partition columns of its
   * objects' prefixes typed as Spark types them: from a Delta table's log, else inferred from the folder names.
   * A plain table's columns are its first object's footer's (as Spark infers a schema without mergeSchema); a
   * Delta table's are its log's, in its order, each typed as the footer of the first file in {@code snapshot}
   * that has it (a column added by mergeSchema is in newer files only), or by the log where none of the first
   * few files has it.
   */
  /** Footers read at most to find a Delta table's columns' Parquet types (beyond, the log types them). */
  private static final int MAX_FOOTERS = 16;

  static Schema infer(S3Settings settings, List<String> locations, ReadPlanner.SnapshotChoice snapshot) {
    ReadPlanner.Listing listing = new ReadPlanner(SharedClients.get(settings)).at(snapshot).listing(locations, null,
        PartitionSchema.NONE, PartitionFilter.ALL);
    List<ObjectRange> objects = listing.objects().stream().filter(o -> o.size() > 0).toList();
    if (objects.isEmpty()) {
      throw new MetaflowS3NotFound("no Parquet object to read a schema from below " + locations
          + " (give one: asParquet(schema))", locations.get(0), null);
    }
    Map<String, Schema.FieldType> partitions = new java.util.LinkedHashMap<>();
    PartitionSchema.infer(objects.stream().map(ObjectRange::partitionValues).toList()).types()
        .forEach((name, type) -> partitions.put(name, beamType(type)));
    for (ReadPlanner.TableRead table : listing.deltaTables().values()) {
      partitions.putAll(DeltaSchemas.partitionTypes(table.layout()));
    }
    Configuration conf = readConf(settings);
    if (listing.deltaTables().size() != 1) {
      return beamSchema(footer(objects.get(0), conf), conf, partitions);
    }
    TableLayout layout = listing.deltaTables().values().iterator().next().layout();
    Map<String, Schema.Field> found = new java.util.HashMap<>();
    java.util.Set<String> wanted = new java.util.LinkedHashSet<>();
    layout.schema().fieldNames().stream().filter(n -> !partitions.containsKey(n))
        .forEach(n -> wanted.add(n.toLowerCase(java.util.Locale.ROOT)));
    for (ObjectRange file : objects.subList(0, Math.min(objects.size(), MAX_FOOTERS))) {
      if (found.keySet().containsAll(wanted)) {
        break;
      }
      beamSchema(footer(file, conf), conf, Map.of()).getFields().forEach(f ->
          found.putIfAbsent(f.getName().toLowerCase(java.util.Locale.ROOT), f));
    }
    Schema.Builder schema = Schema.builder();
    for (io.delta.kernel.types.StructField column : layout.schema().fields()) {
      String name = column.getName();
      Schema.Field field = found.get(name.toLowerCase(java.util.Locale.ROOT));
      if (partitions.containsKey(name)) {
        schema.addNullableField(name, partitions.get(name));
      } else if (field != null) {
        // Nullable where the log says so: a column added by mergeSchema is null in older files' rows.
        schema.addField(field.withName(name).withNullable(field.getType().getNullable() || column.isNullable()));
      } else {
        // In none of the files looked at (added, and not written since): typed by the log, as Delta's readers do.
        schema.addNullableField(name, DeltaSchemas.beamType(name, column.getDataType()));
      }
    }
    return schema.build();
  }

  private static MessageType footer(ObjectRange file, Configuration conf) {
    ListedObjects.remember(file.url(), new ListedObjects.Listed(file.size(), file.version(), 0L));
    try (ParquetFileReader footer = ParquetFileReader.open(HadoopInputFile.fromStatus(new FileStatus(file.size(),
        false, 1, 0, 0, MetaflowS3FileSystem.pathOf(file.url())), conf))) {
      return footer.getFileMetaData().getSchema();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the footer of " + file.url(), e);
    }
  }

  /**
   * The record's field for column {@code name}: of that name, else of that name in another case (Spark and Delta
   * name columns case-insensitively, so a file may spell a table's column otherwise); null when there is none.
   */
  private static org.apache.avro.Schema.Field column(org.apache.avro.Schema record, String name) {
    org.apache.avro.Schema.Field exact = record.getField(name);
    return exact != null ? exact : record.getFields().stream().filter(f -> f.name().equalsIgnoreCase(name))
        .findFirst().orElse(null);
  }

  /** The partition value of column {@code name}, matched as {@link #column} matches a file's columns. */
  private static String partitionText(Map<String, String> partitionValues, String name) {
    String exact = partitionValues.get(name);
    return exact != null || partitionValues.containsKey(name) ? exact : partitionValues.entrySet().stream()
        .filter(e -> e.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).findFirst().orElse(null);
  }

  /**
   * A row of {@code schema} from a file's record: each field from the record's column of that name, else from
   * the object's partition values, else null.
   */
  static Row toRow(GenericRecord record, Schema schema, Map<String, String> partitionValues, RawColumns rawColumns) {
    Row.Builder row = Row.withSchema(schema);
    for (Schema.Field field : schema.getFields()) {
      org.apache.avro.Schema.Field column = column(record.getSchema(), field.getName());
      Object value;
      if (column != null) {
        Object raw = record.get(column.pos());
        value = raw == null ? null : rawColumns.contains(column.name()) ? rawColumns.convert(column.name(), raw)
            : AvroUtils.convertAvroFieldStrict(raw, column.schema(), isDecimal(field.getType())
                ? Schema.FieldType.DECIMAL.withNullable(field.getType().getNullable()) : field.getType());
      } else {
        String text = partitionText(partitionValues, field.getName());
        value = text == null ? null : partitionValue(text, field);
      }
      if (value == null && !field.getType().getNullable()) {
        throw new IllegalArgumentException("field '" + field.getName() + "' is null (not in the file nor in the "
            + "partition) but the schema says it is not nullable");
      }
      row.addValue(value);
    }
    return row.build();
  }

  /** Whether a field is a decimal: Beam's DECIMAL, or a logical type over it (FixedPrecisionNumeric). */
  private static boolean isDecimal(Schema.FieldType type) {
    return type.getTypeName() == Schema.TypeName.DECIMAL || type.getTypeName().isLogicalType()
        && type.getLogicalType().getBaseType().getTypeName() == Schema.TypeName.DECIMAL;
  }

  /**
   * {@code schema} with its decimals as Beam's plain DECIMAL, the form {@link AvroUtils} converts; the values
   * of a {@link FixedPrecisionNumeric} field are BigDecimals either way.
   */
  static Schema plain(Schema schema) {
    Schema.Builder b = Schema.builder();
    for (Schema.Field f : schema.getFields()) {
      b.addField(isDecimal(f.getType())
          ? Schema.Field.of(f.getName(), Schema.FieldType.DECIMAL).withNullable(f.getType().getNullable()) : f);
    }
    return b.build();
  }

  /**
   * The Avro schema rows of {@code schema} are written with: Beam's own ({@link AvroUtils#toAvroSchema}) of its
   * {@link #plain} form, but a decimal gets the precision and scale of its {@link FixedPrecisionNumeric} type;
   * Beam maps every decimal to scale 0, which no fractional value fits. A decimal without them is refused here,
   * before any row is written.
   */
  static org.apache.avro.Schema avroSchema(Schema schema) {
    org.apache.avro.Schema avro = AvroUtils.toAvroSchema(plain(schema));
    List<org.apache.avro.Schema.Field> fields = new ArrayList<>();
    for (org.apache.avro.Schema.Field f : avro.getFields()) {
      Schema.FieldType type = schema.getField(f.name()).getType();
      org.apache.avro.Schema fieldSchema = f.schema();
      if (isDecimal(type)) {
        if (!(type.getTypeName().isLogicalType()
            && type.getLogicalType() instanceof FixedPrecisionNumeric numeric)) {
          throw new IllegalArgumentException("field '" + f.name() + "' is a DECIMAL without precision and scale; "
              + "Parquet stores decimals with both: give it FieldType.logicalType(FixedPrecisionNumeric.of(p, s))");
        }
        Row arguments = numeric.getArgument();
        org.apache.avro.Schema bytes = LogicalTypes.decimal(arguments.getInt32("precision"),
            arguments.getInt32("scale")).addToSchema(org.apache.avro.Schema.create(org.apache.avro.Schema.Type.BYTES));
        fieldSchema = type.getNullable() ? org.apache.avro.Schema.createUnion(
            org.apache.avro.Schema.create(org.apache.avro.Schema.Type.NULL), bytes) : bytes;
      }
      fields.add(new org.apache.avro.Schema.Field(f.name(), fieldSchema, f.doc(), f.defaultVal()));
    }
    return org.apache.avro.Schema.createRecord(avro.getName(), avro.getDoc(), avro.getNamespace(), false, fields);
  }

  /** An INT96 timestamp: nanoseconds of the day (8 bytes), then the Julian day (4 bytes), little-endian. */
  static Instant int96ToInstant(byte[] bytes) {
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    long nanosOfDay = b.getLong();
    long julianDay = b.getInt();
    return new Instant((julianDay - JULIAN_DAY_OF_EPOCH) * MILLIS_PER_DAY + nanosOfDay / 1_000_000);
  }

  /**
   * A partition column's value as Spark's readers give it: the folder's text unescaped and cast to the field's
   * type by core's {@link PartitionType#parse} (Spark's rules; the default partition, and text that is not a
   * value of the type, are null), timestamps as UTC.
   */
  private static Object partitionValue(String raw, Schema.Field field) {
    Schema.FieldType type = field.getType();
    if (isDecimal(type)) {
      return PartitionType.decimal(38).parse(raw, ZoneOffset.UTC);
    }
    if (type.getTypeName().isLogicalType()
        && type.getLogicalType().getIdentifier().equals(SqlTypes.DATE.getIdentifier())) {
      return PartitionType.DATE.parse(raw, ZoneOffset.UTC);
    }
    return switch (type.getTypeName()) {
      case STRING -> PartitionType.STRING.parse(raw, ZoneOffset.UTC);
      case BYTE, INT16, INT32 -> {
        Integer v = (Integer) PartitionType.INT.parse(raw, ZoneOffset.UTC);
        // Narrowed as Spark's castPartValueToDesiredType narrows (Integer.parseInt(value).toShort).
        yield v == null ? null : type.getTypeName() == Schema.TypeName.INT32 ? v
            : type.getTypeName() == Schema.TypeName.INT16 ? (Object) v.shortValue() : (Object) v.byteValue();
      }
      case INT64 -> PartitionType.LONG.parse(raw, ZoneOffset.UTC);
      case DOUBLE -> PartitionType.DOUBLE.parse(raw, ZoneOffset.UTC);
      case FLOAT -> {
        Double v = (Double) PartitionType.DOUBLE.parse(raw, ZoneOffset.UTC);
        yield v == null ? null : v.floatValue();
      }
      case DATETIME -> {
        java.time.Instant v = (java.time.Instant) PartitionType.TIMESTAMP.parse(raw, ZoneOffset.UTC);
        yield v == null ? null : new Instant(v.toEpochMilli());
      }
      case BOOLEAN -> {
        String text = (String) PartitionType.STRING.parse(raw, ZoneOffset.UTC);
        yield "true".equalsIgnoreCase(text) ? Boolean.TRUE : "false".equalsIgnoreCase(text) ? Boolean.FALSE : null;
      }
      default -> throw new IllegalArgumentException("partition column '" + field.getName() + "' has type "
          + type + "; partition values read as strings, numbers, booleans, dates and timestamps");
    };
  }

  /** The Beam type of a partition column of core's type (as Spark types inferred partition columns). */
  static Schema.FieldType beamType(PartitionType type) {
    return switch (type.kind()) {
      case NULL, STRING -> Schema.FieldType.STRING;
      case INT -> Schema.FieldType.INT32;
      case LONG -> Schema.FieldType.INT64;
      case DECIMAL -> Schema.FieldType.logicalType(FixedPrecisionNumeric.of(type.precision(), 0));
      case DOUBLE -> Schema.FieldType.DOUBLE;
      case DATE -> Schema.FieldType.logicalType(SqlTypes.DATE);
      case TIMESTAMP -> Schema.FieldType.DATETIME;
    };
  }
}
