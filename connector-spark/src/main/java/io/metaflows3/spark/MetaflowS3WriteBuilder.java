package io.metaflows3.spark;

import io.metaflows3.core.table.TableWrite;
import io.metaflows3.core.table.WrittenObject;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.connector.metric.CustomMetric;
import org.apache.spark.sql.connector.write.BatchWrite;
import org.apache.spark.sql.connector.write.DataWriterFactory;
import org.apache.spark.sql.connector.write.PhysicalWriteInfo;
import org.apache.spark.sql.connector.write.SupportsTruncate;
import org.apache.spark.sql.connector.write.Write;
import org.apache.spark.sql.connector.write.WriteBuilder;
import org.apache.spark.sql.connector.write.WriterCommitMessage;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.StructType;

/**
 * A batch write into one table (core's table contract): tasks write keys unique to their attempt; the job
 * commit adds exactly the committed tasks' objects as the next version of the table's commit log (mode
 * "overwrite" replaces what was visible, or only the partitions written with partitionOverwriteMode=dynamic);
 * an aborted job deletes what it wrote.
 */
final class MetaflowS3WriteBuilder implements WriteBuilder, SupportsTruncate {
  private final SourceOptions options;
  private final StructType schema;
  private final PartitionColumns partitions;
  private boolean replace;

  MetaflowS3WriteBuilder(SourceOptions options, StructType schema, PartitionColumns partitions) {
    if (options.locations.size() != 1) {
      throw new IllegalArgumentException("metaflow-s3 writes to one location, got " + options.locations);
    }
    if (options.format == SourceOptions.Format.TEXT) {
      throw new IllegalArgumentException("metaflow-s3 writes parquet or binary, not text");
    }
    if (options.format == SourceOptions.Format.BINARY && !(has(schema, "key") && has(schema, "content"))) {
      throw new IllegalArgumentException("format binary writes rows with columns key (string) and content "
          + "(binary); the data has " + schema.simpleString());
    }
    if (options.format == SourceOptions.Format.PARQUET) {
      ParquetSchemas.toParquet(schema);
    }
    this.options = options;
    this.schema = schema;
    this.partitions = partitions;
  }

  private static boolean has(StructType schema, String column) {
    return schema.getFieldIndex(column).isDefined();
  }

  @Override
  public WriteBuilder truncate() {
    replace = true;
    return this;
  }

  /** Overwrite replaces the table, or with partitionOverwriteMode=dynamic only the partitions written. */
  private TableWrite.Mode mode() {
    if (!replace) {
      return TableWrite.Mode.APPEND;
    }
    String dynamic = options.partitionOverwriteMode != null ? options.partitionOverwriteMode
        : SQLConf.get().getConfString("spark.sql.sources.partitionOverwriteMode", "static");
    return dynamic.equalsIgnoreCase("dynamic") ? TableWrite.Mode.OVERWRITE_PARTITIONS : TableWrite.Mode.OVERWRITE;
  }

  @Override
  public Write build() {
    // The table is marked here, when the query runs, before any task writes.
    TableWrite job = TableWrite.begin(options.settings, options.locations.get(0), mode());
    return new Write() {
      @Override
      public String description() {
        return "MetaflowS3Write[" + options.format.name().toLowerCase() + ", " + job + "]";
      }

      @Override
      public BatchWrite toBatch() {
        return new JobWrite(job);
      }

      @Override
      public CustomMetric[] supportedCustomMetrics() {
        return S3TaskMetrics.supported();
      }
    };
  }

  /** The committed objects of one task. */
  record TaskObjects(List<WrittenObject> objects) implements WriterCommitMessage {}

  private final class JobWrite implements BatchWrite {
    private final TableWrite job;

    JobWrite(TableWrite job) {
      this.job = job;
    }

    @Override
    public DataWriterFactory createBatchWriterFactory(PhysicalWriteInfo info) {
      return new WriterFactory(job, options.format, schema, partitions, options.parquetRowGroupBytes);
    }

    @Override
    public boolean useCommitCoordinator() {
      // One committed attempt per partition, even with speculation: the others' keys are never committed.
      return true;
    }

    @Override
    public void commit(WriterCommitMessage[] messages) {
      List<WrittenObject> all = new ArrayList<>();
      for (WriterCommitMessage m : messages) {
        if (m != null) {
          all.addAll(((TaskObjects) m).objects());
        }
      }
      job.commit(all);
    }

    @Override
    public void abort(WriterCommitMessage[] messages) {
      job.abort();
    }
  }
}
