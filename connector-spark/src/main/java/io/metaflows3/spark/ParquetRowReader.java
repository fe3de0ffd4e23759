package io.metaflows3.spark;

import io.metaflows3.core.ObjectRange;
import io.metaflows3.core.ReadSplit;
import io.metaflows3.core.S3;
import io.metaflows3.core.S3InputFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Rows of the Parquet row groups a range owns (those whose midpoint lies in it), read by ranged GETs through
 * {@link S3InputFile}; only the selected columns' chunks are fetched.
 */
final class ParquetRowReader extends RowReader {
  private ParquetFileReader file;
  private MessageType projection;
  private RecordReader<Group> records;
  private long rowsLeft;

  ParquetRowReader(S3 s3, ReadSplit split, StructType schema, PartitionColumns partitions) {
    super(s3, split, schema, partitions);
  }

  @Override
  void open(ObjectRange range) {
    closeFile();
    try {
      file = ParquetFileReader.open(new S3InputFile(s3, range.url(), range.size()),
          ParquetReadOptions.builder().withRange(range.start(), range.end()).build());
      MessageType full = file.getFooter().getFileMetaData().getSchema();
      List<Type> columns = new ArrayList<>();
      for (StructField f : schema.fields()) {
        if (!partitions.contains(f.name()) && full.containsField(f.name())) {
          columns.add(full.getType(f.name()));
        }
      }
      projection = new MessageType(full.getName(), columns);
      file.setRequestedSchema(projection);
      rowsLeft = 0;
      counts.objects++;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read Parquet footer of " + range.url(), e);
    }
  }

  @Override
  boolean nextRow(Object[] values) {
    try {
      while (rowsLeft == 0) {
        PageReadStore rowGroup = file.readNextRowGroup();
        if (rowGroup == null) {
          closeFile();
          return false;
        }
        rowsLeft = rowGroup.getRowCount();
        records = new ColumnIOFactory().getColumnIO(projection).getRecordReader(rowGroup,
            new GroupRecordConverter(projection));
      }
      Group group = records.read();
      rowsLeft--;
      StructField[] fields = schema.fields();
      for (int i = 0; i < fields.length; i++) {
        if (projection.containsField(fields[i].name())) {
          values[i] = ParquetSchemas.read(group, fields[i].name(), fields[i].dataType());
        }
      }
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read Parquet row group", e);
    }
  }

  private void closeFile() {
    if (file != null) {
      try {
        file.close();
      } catch (IOException ignored) {
        // Reading is done; the stream holds no resource beyond memory.
      }
      file = null;
    }
  }

  @Override
  public void close() {
    closeFile();
  }
}
