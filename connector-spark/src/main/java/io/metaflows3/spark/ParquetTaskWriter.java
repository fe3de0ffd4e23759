package io.metaflows3.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.hadoop.mapreduce.TaskAttemptContext;
import org.apache.hadoop.mapreduce.TaskAttemptID;
import org.apache.hadoop.mapreduce.TaskType;
import org.apache.hadoop.mapreduce.task.TaskAttemptContextImpl;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.execution.datasources.OutputWriter;
import org.apache.spark.sql.execution.datasources.OutputWriterFactory;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;

/**
 * Format parquet, encoded by Spark's own Parquet writer (the factory Spark's parquet source prepares, so every
 * type, codec and option is Spark's): the data columns of each partition folder go to a local file, stored under
 * the attempt's unique key as a data file of the Delta table (with its partition values and the statistics of its
 * footer) as soon as the folder changes (input arrives clustered and sorted by the partition columns) or the file
 * reaches maxRecordsPerFile rows.
 */
final class ParquetTaskWriter extends TaskWriter {
  /** What every task of a write shares: Spark's writer factory and the configuration it was prepared with. */
  record Encoding(OutputWriterFactory factory, SerializableConfiguration conf, long maxRecordsPerFile)
      implements java.io.Serializable {}

  private final Encoding encoding;
  private final StructType dataSchema;
  private final int[] dataColumns;
  private final TaskAttemptContext context;
  private final Path localDir;
  private OutputWriter file;
  private String fileFolder;
  private java.util.Map<String, String> filePartitionValues;
  private Path localFile;
  private long fileRows;
  private int fileCount;

  ParquetTaskWriter(Target target, Encoding encoding, int partitionId) {
    super(target);
    this.encoding = encoding;
    StructType data = new StructType();
    StructField[] all = target.schema().fields();
    int[] columns = new int[all.length];
    int n = 0;
    for (int i = 0; i < all.length; i++) {
      if (!target.partitions().contains(all[i].name())) {
        data = data.add(all[i]);
        columns[n++] = i;
      }
    }
    this.dataSchema = data;
    this.dataColumns = java.util.Arrays.copyOf(columns, n);
    this.context = new TaskAttemptContextImpl(encoding.conf().value(),
        new TaskAttemptID("metaflow-s3", 0, TaskType.MAP, partitionId, 0));
    try {
      this.localDir = Files.createTempDirectory("metaflow-s3-write-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make a local folder for Parquet files", e);
    }
  }

  @Override
  public void write(InternalRow row) {
    String folder = folderOf(row);
    if (file != null && (!folder.equals(fileFolder) || fileRows == encoding.maxRecordsPerFile())) {
      store();
    }
    if (file == null) {
      localFile = localDir.resolve("f" + fileCount + ".parquet");
      file = encoding.factory().newInstance(localFile.toUri().toString(), dataSchema, context);
      fileFolder = folder;
      filePartitionValues = partitionValuesOf(row);
    }
    Object[] values = new Object[dataColumns.length];
    for (int i = 0; i < dataColumns.length; i++) {
      values[i] = row.get(dataColumns[i], dataSchema.fields()[i].dataType());
    }
    file.write(new GenericInternalRow(values));
    fileRows++;
  }

  /** Finishes the open file and stores it under the attempt's unique key, e.g. {@code country=US/part-00003-c001.snappy.parquet}. */
  private void store() {
    file.close();
    file = null;
    String name = String.format("%s-c%03d%s", target.fileName(), fileCount++,
        encoding.factory().getFileExtension(context));
    writer.writeDataFile(fileFolder + name, localFile, filePartitionValues);
    fileRows = 0;
    try {
      Files.delete(localFile);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + localFile, e);
    }
  }

  @Override
  void flush() {
    if (file != null) {
      store();
    }
  }

  @Override
  public void close() {
    if (file != null) {
      file.close(); // aborted: the local file is deleted below, nothing of it stored
      file = null;
    }
    try (Stream<Path> local = Files.walk(localDir)) {
      local.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot clean up " + localDir, e);
    } finally {
      super.close();
    }
  }
}
