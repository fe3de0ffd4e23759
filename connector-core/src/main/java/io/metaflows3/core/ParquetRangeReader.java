package io.metaflows3.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
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

/**
 * Reads the Parquet records of an {@link ObjectRange}: the range owns the row groups whose midpoint lies in
 * it, so however a file is cut each row group is read once. Footer and column chunks come by ranged GETs
 * through {@link S3InputFile}, and only the chosen columns' chunks are fetched. Needs parquet-hadoop.
 */
public final class ParquetRangeReader implements AutoCloseable {
  private final ParquetFileReader file;
  private final MessageType projection;
  private RecordReader<Group> records;
  private long rowsLeft;

  /** Opens {@code range}, reading only {@code columns} that exist in the file (all when null). */
  public ParquetRangeReader(S3 s3, ObjectRange range, Collection<String> columns) {
    try {
      file = ParquetFileReader.open(new S3InputFile(s3, range.url(), range.size(), range.etag()),
          ParquetReadOptions.builder().withRange(range.start(), range.end()).build());
    } catch (IOException e) {
      throw new MetaflowS3Exception("cannot read the Parquet footer", range.url(), e);
    }
    MessageType full = file.getFooter().getFileMetaData().getSchema();
    if (columns == null) {
      projection = full;
    } else {
      List<Type> chosen = new ArrayList<>();
      for (Type t : full.getFields()) {
        if (columns.contains(t.getName())) {
          chosen.add(t);
        }
      }
      projection = new MessageType(full.getName(), chosen);
    }
    file.setRequestedSchema(projection);
  }

  /** The schema of the file, read from the footer of {@code url} ({@code size} bytes) alone. */
  public static MessageType schemaOf(S3 s3, String url, long size) {
    try (ParquetFileReader reader = ParquetFileReader.open(new S3InputFile(s3, url, size, null))) {
      return reader.getFooter().getFileMetaData().getSchema();
    } catch (IOException e) {
      throw new MetaflowS3Exception("cannot read the Parquet footer", url, e);
    }
  }

  /** The columns read: those asked for that the file has. */
  public MessageType projection() {
    return projection;
  }

  /** The next record, or null after the last row group the range owns. */
  public Group next() {
    try {
      while (rowsLeft == 0) {
        PageReadStore rowGroup = file.readNextRowGroup();
        if (rowGroup == null) {
          return null;
        }
        rowsLeft = rowGroup.getRowCount();
        records = new ColumnIOFactory().getColumnIO(projection).getRecordReader(rowGroup,
            new GroupRecordConverter(projection));
      }
      rowsLeft--;
      return records.read();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read a Parquet row group of " + file.getFile(), e);
    }
  }

  @Override
  public void close() {
    try {
      file.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
