package io.metaflows3.spark;

import io.metaflows3.hadoop.MetaflowS3FileSystem;
import io.metaflows3.hadoop.TailPrefetch;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileRange;
import org.apache.parquet.HadoopReadOptions;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.filter2.compat.RowGroupFilter;
import org.apache.parquet.filter2.predicate.FilterApi;
import org.apache.parquet.filter2.predicate.FilterPredicate;
import org.apache.parquet.format.converter.ParquetMetadataConverter;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ColumnPath;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.schema.MessageType;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.execution.datasources.DataSourceUtils;
import org.apache.spark.sql.execution.datasources.FilePartition;
import org.apache.spark.sql.execution.datasources.PartitionedFile;
import org.apache.spark.sql.execution.datasources.parquet.ParquetFilters;
import org.apache.spark.sql.execution.datasources.parquet.ParquetFooterReader;
import org.apache.spark.sql.execution.datasources.parquet.ParquetReadSupport;
import org.apache.spark.sql.sources.Filter;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;
import scala.Option;

/**
 * The column chunks Spark's Parquet reader will fetch from a file of a task, told by the file's footer: the row
 * groups of the task's splits of it (Parquet's own split filter, as the reader's) that the pushed data filters
 * do not rule out by their statistics (Spark's own {@code ParquetFilters}, Parquet's own row group filter), the
 * columns the reader asks for (Spark's own schema clipping). A task fetches them ahead, once a file's footer is
 * in, so it does not wait for each file's columns in turn. (The reader may skip a few more row groups, by
 * dictionaries or bloom filters, which need reads of their own: those are fetched for nothing.)
 */
final class ParquetChunks implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);
  private final StructType readDataSchema;
  private final Broadcast<SerializableConfiguration> hadoop;
  private final Filter[] dataFilters;
  private final ParquetPushDown pushDown;
  private final String datetimeRebaseMode;

  /**
   * @param dataFilters the filters pushed to the reader
   * @param datetimeRebaseMode the read's {@code datetimeRebaseMode} (as Spark's reader takes it)
   */
  ParquetChunks(StructType readDataSchema, Broadcast<SerializableConfiguration> hadoop, Filter[] dataFilters,
      ParquetPushDown pushDown, String datetimeRebaseMode) {
    this.readDataSchema = readDataSchema;
    this.hadoop = hadoop;
    this.dataFilters = dataFilters;
    this.pushDown = pushDown;
    this.datetimeRebaseMode = datetimeRebaseMode;
  }

  /** What to fetch after each tail of a task's files, read by the vectorized reader or not. */
  TailPrefetch.FollowUp forTask(FilePartition task, boolean vectorized) {
    Configuration conf = hadoop.value().value();
    Map<String, List<PartitionedFile>> splits = new HashMap<>();
    for (PartitionedFile split : task.files()) {
      splits.computeIfAbsent(MetaflowS3FileSystem.urlOf(split.toPath()), url -> new ArrayList<>()).add(split);
    }
    return (object, tailStart, tail) -> {
      List<List<FileRange>> reads = new ArrayList<>();
      for (PartitionedFile split : splits.getOrDefault(object.url(), List.of())) {
        ParquetMetadata footer = footer(object.size(), tailStart, tail, conf, split);
        if (footer != null) {
          reads.addAll(chunks(footer, conf, vectorized));
        }
      }
      return reads;
    };
  }

  /** The footer with the row groups of {@code split}, parsed from the tail; null if the tail does not hold it. */
  private static ParquetMetadata footer(long size, long tailStart, byte[] tail, Configuration conf,
      PartitionedFile split) {
    int n = tail.length;
    if (n < 8 || !Arrays.equals(tail, n - 4, n, MAGIC, 0, 4)) {
      return null; // not Parquet, or an encrypted footer
    }
    int length = ByteBuffer.wrap(tail, n - 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    long footerStart = size - 8 - length;
    if (length <= 0 || footerStart < tailStart) {
      return null;
    }
    try {
      // Parsed as Parquet's reader parses it: the reader's options (thrift limits), its split filter.
      ParquetReadOptions options = HadoopReadOptions.builder(conf, split.toPath())
          .withMetadataFilter(ParquetFooterReader.buildFilter(conf, split, false)).build();
      return new ParquetMetadataConverter(options).readParquetMetadata(
          new ByteArrayInputStream(tail, (int) (footerStart - tailStart), length), options.getMetadataFilter(), null,
          false, length);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Per row group, the byte ranges of the requested columns' chunks: what the reader reads in one vectored read. */
  private List<List<FileRange>> chunks(ParquetMetadata footer, Configuration conf, boolean vectorized) {
    MessageType requested = ParquetReadSupport.getRequestedSchema(footer.getFileMetaData().getSchema(),
        readDataSchema, conf, vectorized);
    Set<ColumnPath> columns = new HashSet<>();
    for (ColumnDescriptor c : requested.getColumns()) {
      columns.add(ColumnPath.get(c.getPath()));
    }
    List<BlockMetaData> blocks = footer.getBlocks();
    FilterPredicate pushed = pushed(footer);
    if (pushed != null) {
      blocks = RowGroupFilter.filterRowGroups(FilterCompat.get(pushed), blocks, footer.getFileMetaData().getSchema());
    }
    List<List<FileRange>> reads = new ArrayList<>();
    for (BlockMetaData block : blocks) {
      List<FileRange> ranges = new ArrayList<>();
      for (ColumnChunkMetaData chunk : block.getColumns()) {
        if (columns.contains(chunk.getPath())) {
          ranges.add(FileRange.createFileRange(chunk.getStartingPos(), (int) chunk.getTotalSize()));
        }
      }
      if (!ranges.isEmpty()) {
        reads.add(ranges);
      }
    }
    return reads;
  }

  /** The predicate Spark's reader builds for this file from the pushed filters (as its factory does); null: none. */
  private FilterPredicate pushed(ParquetMetadata footer) {
    if (dataFilters.length == 0 || !pushDown.enabled()) {
      return null;
    }
    Map<String, String> meta = footer.getFileMetaData().getKeyValueMetaData();
    ParquetFilters filters = pushDown.filters(footer.getFileMetaData().getSchema(),
        DataSourceUtils.datetimeRebaseSpec(meta::get, datetimeRebaseMode));
    FilterPredicate all = null;
    for (Filter f : dataFilters) {
      Option<FilterPredicate> p = filters.createFilter(f);
      if (p.isDefined()) {
        all = all == null ? p.get() : FilterApi.and(all, p.get());
      }
    }
    return all;
  }
}
