package io.metaflows3.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Format parquet: a local Parquet file per partition folder (the data columns; partition columns live in the
 * folder names, as Spark writes them), uploaded on commit, streamed, to the attempt's unique key.
 */
final class ParquetTaskWriter extends TaskWriter {
  private final StructType dataSchema;
  private final MessageType parquetSchema;
  private final SimpleGroupFactory groups;
  private final long rowGroupBytes;
  private final Path localDir;
  private final Map<String, ParquetWriter<Group>> files = new LinkedHashMap<>();

  ParquetTaskWriter(Target target, long rowGroupBytes) {
    super(target);
    StructType data = new StructType();
    for (StructField f : target.schema().fields()) {
      if (!target.partitions().contains(f.name())) {
        data = data.add(f);
      }
    }
    this.dataSchema = data;
    this.parquetSchema = ParquetSchemas.toParquet(data);
    this.groups = new SimpleGroupFactory(parquetSchema);
    this.rowGroupBytes = rowGroupBytes;
    try {
      this.localDir = Files.createTempDirectory("metaflow-s3-write-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make a local folder for Parquet files", e);
    }
  }

  @Override
  public void write(InternalRow row) throws IOException {
    String folder = folderOf(row);
    ParquetWriter<Group> file = files.get(folder);
    if (file == null) {
      file = ExampleParquetWriter.builder(new LocalOutputFile(localDir.resolve("f" + files.size() + ".parquet")))
          .withType(parquetSchema).withCompressionCodec(CompressionCodecName.SNAPPY)
          .withRowGroupSize(rowGroupBytes).build();
      files.put(folder, file);
    }
    Group group = groups.newGroup();
    StructField[] all = target.schema().fields();
    for (int i = 0; i < all.length; i++) {
      if (dataSchema.getFieldIndex(all[i].name()).isDefined()) {
        ParquetSchemas.write(group, all[i].name(), row, i, all[i].dataType());
      }
    }
    file.write(group);
  }

  @Override
  void flush() {
    int n = 0;
    for (Map.Entry<String, ParquetWriter<Group>> e : files.entrySet()) {
      try {
        e.getValue().close();
      } catch (IOException ex) {
        throw new UncheckedIOException("cannot finish a Parquet file", ex);
      }
      writer.writeFile(e.getKey() + target.fileName() + ".parquet", localDir.resolve("f" + n++ + ".parquet"),
          "application/vnd.apache.parquet");
    }
    files.clear();
  }

  @Override
  public void close() {
    for (ParquetWriter<Group> file : files.values()) {
      try {
        file.close();
      } catch (IOException ignored) {
        // Aborted: the file is deleted below.
      }
    }
    try (Stream<Path> local = Files.walk(localDir)) {
      local.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot clean up " + localDir, e);
    }
  }
}
