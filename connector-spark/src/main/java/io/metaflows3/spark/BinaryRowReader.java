package io.metaflows3.spark;

import io.metaflows3.core.ObjectBytes;
import io.metaflows3.core.ObjectRange;
import io.metaflows3.core.ReadSplit;
import io.metaflows3.core.S3;
import io.metaflows3.core.S3Object;
import io.metaflows3.core.S3Url;
import java.util.Map;
import org.apache.spark.sql.catalyst.util.ArrayBasedMapData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * A row per object. The columns asked for decide the requests: {@code content} needs a GET; only
 * {@code last_modified}, {@code content_type} or {@code metadata} need a HEAD; url, key and size need none.
 */
final class BinaryRowReader extends RowReader {
  static final StructType SCHEMA = DataTypes.createStructType(new org.apache.spark.sql.types.StructField[] {
      DataTypes.createStructField("url", DataTypes.StringType, false),
      DataTypes.createStructField("key", DataTypes.StringType, false),
      DataTypes.createStructField("size", DataTypes.LongType, false),
      DataTypes.createStructField("last_modified", DataTypes.TimestampType, true),
      DataTypes.createStructField("content_type", DataTypes.StringType, true),
      DataTypes.createStructField("metadata", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType),
          true),
      DataTypes.createStructField("content", DataTypes.BinaryType, true)});

  private final boolean needsContent;
  private final boolean needsInfo;
  private ObjectRange current;

  BinaryRowReader(S3 s3, ReadSplit split, StructType schema, PartitionColumns partitions) {
    super(s3, split, schema, partitions);
    this.needsContent = has("content");
    this.needsInfo = has("last_modified") || has("content_type") || has("metadata");
  }

  private boolean has(String column) {
    return schema.getFieldIndex(column).isDefined();
  }

  @Override
  void open(ObjectRange range) {
    current = range;
  }

  @Override
  boolean nextRow(Object[] values) {
    if (current == null) {
      return false;
    }
    ObjectRange range = current;
    current = null;
    ObjectBytes content = needsContent ? s3.readRange(range) : null;
    S3Object info = content != null ? content.info() : needsInfo ? s3.info(range.url()) : null;
    set(values, "url", UTF8String.fromString(range.url()));
    set(values, "key", UTF8String.fromString(S3Url.parse(range.url()).key()));
    set(values, "size", range.size());
    if (info != null) {
      set(values, "last_modified", info.lastModified().map(t -> t.toEpochMilli() * 1000).orElse(null));
      set(values, "content_type", info.contentType().map(UTF8String::fromString).orElse(null));
      set(values, "metadata", map(info.metadata()));
      set(values, "content", content != null ? content.bytes() : null);
    }
    counts.objects++;
    return true;
  }

  private void set(Object[] values, String column, Object value) {
    if (schema.getFieldIndex(column).isDefined()) {
      values[schema.fieldIndex(column)] = value;
    }
  }

  private static ArrayBasedMapData map(Map<String, String> metadata) {
    Object[] keys = new Object[metadata.size()];
    Object[] vals = new Object[metadata.size()];
    int i = 0;
    for (Map.Entry<String, String> e : new java.util.TreeMap<>(metadata).entrySet()) {
      keys[i] = UTF8String.fromString(e.getKey());
      vals[i++] = UTF8String.fromString(e.getValue());
    }
    return new ArrayBasedMapData(new GenericArrayData(keys), new GenericArrayData(vals));
  }
}
