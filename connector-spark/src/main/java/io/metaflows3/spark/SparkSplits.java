package io.metaflows3.spark;

import io.metaflows3.core.api.ObjectRange;
import io.metaflows3.hadoop.MetaflowS3FileSystem;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.spark.paths.SparkPath;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.execution.datasources.FileFormat$;
import org.apache.spark.sql.execution.datasources.FilePartition;
import org.apache.spark.sql.execution.datasources.PartitionedFile;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Listed objects cut into tasks exactly as Spark cuts files: {@code maxSplitBytes} from
 * {@code spark.sql.files.maxPartitionBytes}, {@code openCostInBytes} and the default parallelism (Spark's own
 * {@code FilePartition.maxSplitBytes}), splittable objects cut at that size, all pieces largest first, packed by
 * Spark's {@code FilePartition.getFilePartitions}. Empty objects are skipped, as Spark skips empty files.
 */
final class SparkSplits {
  private SparkSplits() {}

  /**
   * @param maxPartitionBytes the read's own limit (option splitSize), or null for the session's
   * @param splittable whether an object (by URL) may be cut (Parquet, uncompressed text)
   */
  static FilesPartition[] plan(List<ObjectRange> listed, PartitionColumns partitions, StructType readPartitionSchema,
      Long maxPartitionBytes, Predicate<String> splittable) {
    SparkSession spark = SparkSession.active();
    SQLConf conf = SQLConf.get();
    List<ObjectRange> objects = listed.stream().filter(o -> o.size() > 0).toList();
    long openCost = conf.filesOpenCostInBytes();
    long total = objects.stream().mapToLong(o -> o.size() + openCost).sum();
    long maxSplit = FilePartition.maxSplitBytes(spark, (scala.Function0<Object>) () -> total);
    if (maxPartitionBytes != null) {
      maxSplit = Math.min(maxPartitionBytes, Math.max(openCost, maxSplit));
    }
    List<PartitionedFile> files = new ArrayList<>();
    Map<String, ObjectRange> byUrl = new LinkedHashMap<>();
    for (ObjectRange o : objects) {
      byUrl.put(o.url(), o);
      SparkPath path = SparkPath.fromPath(MetaflowS3FileSystem.pathOf(o.url()));
      long modified = o.lastModified() == null ? 0L : o.lastModified().toEpochMilli();
      long step = splittable.test(o.url()) ? maxSplit : o.size();
      for (long at = 0; at < o.size(); at += step) {
        PartitionedFile piece = new PartitionedFile(InternalRow.empty(), path, at, Math.min(step, o.size() - at),
            new String[0], modified, o.size(), scala.collection.immutable.Map$.MODULE$.empty());
        files.add(piece.copy(partitionRow(o, piece, partitions, readPartitionSchema), piece.filePath(),
            piece.start(), piece.length(), piece.locations(), piece.modificationTime(), piece.fileSize(),
            piece.otherConstantMetadataColumnValues()));
      }
    }
    // Largest first over all pieces, equal ones in listing order (a stable sort), as Spark's file scans sort.
    files.sort(Comparator.comparingLong(PartitionedFile::length).reversed());
    List<FilePartition> packed = CollectionConverters.asJava(
        FilePartition.getFilePartitions(spark, CollectionConverters.asScala(files).toSeq(), maxSplit));
    FilesPartition[] planned = new FilesPartition[packed.size()];
    for (int i = 0; i < planned.length; i++) {
      FilePartition p = packed.get(i);
      Set<ObjectRange> in = new LinkedHashSet<>();
      for (PartitionedFile f : p.files()) {
        in.add(byUrl.get(MetaflowS3FileSystem.urlOf(f.toPath())));
      }
      planned[i] = new FilesPartition(p, List.copyOf(in));
    }
    return planned;
  }

  /**
   * The values constant over a piece of an object, in Spark's internal form, appended to each of its rows: the
   * partition columns read, and the {@code _metadata} fields asked for, by Spark's own extractors.
   */
  private static InternalRow partitionRow(ObjectRange o, PartitionedFile piece, PartitionColumns partitions,
      StructType read) {
    Object[] values = new Object[read.size()];
    for (int i = 0; i < values.length; i++) {
      StructField f = read.fields()[i];
      values[i] = f.name().equals(MetaflowS3Table.METADATA) ? metadata(piece, (StructType) f.dataType())
          : partitions.value(f.name(), o.partitionValues());
    }
    return new GenericInternalRow(values);
  }

  private static InternalRow metadata(PartitionedFile piece, StructType fields) {
    Object[] values = new Object[fields.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = FileFormat$.MODULE$.getFileConstantMetadataColumnValue(fields.fields()[i].name(), piece,
          FileFormat$.MODULE$.BASE_METADATA_EXTRACTORS(), fields.fields()[i].dataType()).value();
    }
    return new GenericInternalRow(values);
  }
}
