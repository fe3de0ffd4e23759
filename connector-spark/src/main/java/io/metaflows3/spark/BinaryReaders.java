package io.metaflows3.spark;

import io.metaflows3.core.api.ObjectBytes;
import io.metaflows3.core.api.ObjectRange;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Object;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.core.api.S3Url;
import io.metaflows3.core.SharedClients;
import io.metaflows3.hadoop.MetaflowS3FileSystem;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.util.ArrayBasedMapData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.connector.metric.CustomTaskMetric;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.execution.datasources.PartitionedFile;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Format binary: a row per object, then its partition columns. The columns asked for decide the requests:
 * {@code content} needs a GET (up to {@value #AHEAD} objects of a task in flight at once); only
 * {@code last_modified}, {@code content_type} or {@code metadata} need a HEAD (a task's all in parallel); url,
 * key and size need none.
 */
final class BinaryReaders implements PartitionReaderFactory {
  private static final long serialVersionUID = 1L;
  static final int AHEAD = 16;
  static final StructType SCHEMA = DataTypes.createStructType(new StructField[] {
      DataTypes.createStructField("url", DataTypes.StringType, false),
      DataTypes.createStructField("key", DataTypes.StringType, false),
      DataTypes.createStructField("size", DataTypes.LongType, false),
      DataTypes.createStructField("last_modified", DataTypes.TimestampType, true),
      DataTypes.createStructField("content_type", DataTypes.StringType, true),
      DataTypes.createStructField("metadata", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType),
          true),
      DataTypes.createStructField("content", DataTypes.BinaryType, true)});

  private final S3Settings settings;
  private final StructType readDataSchema;

  BinaryReaders(S3Settings settings, StructType readDataSchema) {
    this.settings = settings;
    this.readDataSchema = readDataSchema;
  }

  @Override
  public PartitionReader<InternalRow> createReader(InputPartition partition) {
    return new ObjectRows(SharedClients.get(settings), (FilesPartition) partition, readDataSchema);
  }

  /** The rows of one task's objects, in the partition's order. */
  private static final class ObjectRows implements PartitionReader<InternalRow> {
    private final S3 s3;
    private final StructType schema;
    private final Iterator<PartitionedFile> files;
    private final Map<String, ObjectRange> objects = new HashMap<>();
    private final Iterator<ObjectRange> toFetch;
    private final Deque<CompletableFuture<ObjectBytes>> fetching = new ArrayDeque<>();
    private final Map<String, S3Object> infos = new HashMap<>();
    private final boolean needsContent;
    private final S3TaskMetrics.Reads metrics;
    private InternalRow row;

    ObjectRows(S3 s3, FilesPartition partition, StructType schema) {
      this.s3 = s3;
      this.schema = schema;
      List<PartitionedFile> inOrder = List.of(partition.files().files());
      this.files = inOrder.iterator();
      partition.objects().forEach(o -> objects.put(o.url(), o));
      this.needsContent = has("content");
      this.metrics = new S3TaskMetrics.Reads(partition.objects().size());
      List<ObjectRange> ranges = inOrder.stream().map(this::rangeOf).toList();
      this.toFetch = ranges.iterator();
      if (!needsContent && (has("last_modified") || has("content_type") || has("metadata"))) {
        s3.infoMany(ranges.stream().map(ObjectRange::url).toList()).forEach(i -> infos.put(i.url(), i));
      }
    }

    private ObjectRange rangeOf(PartitionedFile file) {
      return objects.get(MetaflowS3FileSystem.urlOf(file.toPath()));
    }

    private boolean has(String column) {
      return schema.getFieldIndex(column).isDefined();
    }

    @Override
    public boolean next() {
      if (!files.hasNext()) {
        return false;
      }
      PartitionedFile file = files.next();
      ObjectRange range = rangeOf(file);
      ObjectBytes content = null;
      if (needsContent) {
        while (fetching.size() < AHEAD && toFetch.hasNext()) {
          fetching.add(s3.readRangeAsync(toFetch.next()));
        }
        content = S3.await(fetching.poll());
        metrics.direct(content.bytes().length);
      }
      S3Object info = content != null ? content.info() : infos.get(range.url());
      InternalRow partitionValues = file.partitionValues();
      Object[] values = new Object[schema.size() + partitionValues.numFields()];
      set(values, "url", UTF8String.fromString(range.url()));
      set(values, "key", UTF8String.fromString(S3Url.parse(range.url()).key()));
      set(values, "size", range.size());
      if (info != null) {
        set(values, "last_modified", info.lastModified().map(t -> t.toEpochMilli() * 1000).orElse(null));
        set(values, "content_type", info.contentType().map(UTF8String::fromString).orElse(null));
        set(values, "metadata", map(info.metadata()));
        set(values, "content", content != null ? content.bytes() : null);
      }
      for (int i = 0; i < partitionValues.numFields(); i++) {
        values[schema.size() + i] = ((GenericInternalRow) partitionValues).genericGet(i);
      }
      row = new GenericInternalRow(values);
      return true;
    }

    private void set(Object[] values, String column, Object value) {
      if (has(column)) {
        values[schema.fieldIndex(column)] = value;
      }
    }

    @Override
    public InternalRow get() {
      return row;
    }

    @Override
    public CustomTaskMetric[] currentMetricsValues() {
      return metrics.values();
    }

    @Override
    public void close() {
      fetching.forEach(f -> f.cancel(false));
      metrics.close();
    }
  }

  private static ArrayBasedMapData map(Map<String, String> metadata) {
    Object[] keys = new Object[metadata.size()];
    Object[] vals = new Object[metadata.size()];
    int i = 0;
    for (Map.Entry<String, String> e : new TreeMap<>(metadata).entrySet()) {
      keys[i] = UTF8String.fromString(e.getKey());
      vals[i++] = UTF8String.fromString(e.getValue());
    }
    return new ArrayBasedMapData(new GenericArrayData(keys), new GenericArrayData(vals));
  }
}
