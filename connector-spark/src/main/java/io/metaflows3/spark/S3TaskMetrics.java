package io.metaflows3.spark;

import io.metaflows3.core.transfer.TaskRequests;
import io.metaflows3.hadoop.MetaflowS3FileSystem;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.connector.metric.CustomMetric;
import org.apache.spark.sql.connector.metric.CustomSumMetric;
import org.apache.spark.sql.connector.metric.CustomTaskMetric;

/** The connector's metrics in the Spark UI: objects, bytes, requests and retries, summed over tasks. */
final class S3TaskMetrics {
  static final String OBJECTS = "s3Objects";
  static final String BYTES = "s3Bytes";
  static final String REQUESTS = "s3Requests";
  static final String RETRIES = "s3Retries";

  private S3TaskMetrics() {}

  static final String FILES = "filesRead";
  static final String PARTITIONS = "partitionsRead";
  static final String PLANNING = "planningMillis";

  static CustomMetric[] supported() {
    return new CustomMetric[] {new Sum(OBJECTS, "S3 objects"), new Sum(BYTES, "S3 bytes"),
        new Sum(REQUESTS, "S3 requests"), new Sum(RETRIES, "S3 retries")};
  }

  /** A read's metrics: the tasks' and the driver's (files and partitions read, time to prune and plan). */
  static CustomMetric[] ofReads() {
    CustomMetric[] tasks = supported();
    CustomMetric[] all = java.util.Arrays.copyOf(tasks, tasks.length + 3);
    all[tasks.length] = new Sum(FILES, "files read");
    all[tasks.length + 1] = new Sum(PARTITIONS, "partitions read");
    all[tasks.length + 2] = new Sum(PLANNING, "pruning and planning time (ms)");
    return all;
  }

  /** The driver's part of a read's metrics, as {@link #ofReads} names them. */
  static CustomTaskMetric[] driver(long files, long partitions, long planningMillis) {
    return new CustomTaskMetric[] {task(FILES, files), task(PARTITIONS, partitions),
        task(PLANNING, planningMillis)};
  }

  /**
   * One task's counts, made on its thread: the requests and retries are the task's own ({@link TaskRequests}:
   * what its thread sends and what follows from it), though it shares the executor's client with other tasks.
   * Closed on the task's thread when the task ends.
   */
  static class Counts implements AutoCloseable {
    long objects;
    long bytes;
    private final TaskRequests requests = new TaskRequests();
    private final TaskRequests.Scope scope = requests.open();

    CustomTaskMetric[] values() {
      return new CustomTaskMetric[] {task(OBJECTS, objects), task(BYTES, bytesMoved()),
          task(REQUESTS, requests.requests()), task(RETRIES, requests.retries())};
    }

    /** The bytes the task moved. */
    long bytesMoved() {
      return bytes;
    }

    @Override
    public void close() {
      scope.close();
    }
  }

  /**
   * One reading task's counts: its bytes are those its thread read through the file system (Hadoop counts per
   * thread) and those its reader fetched itself ({@link #direct}).
   */
  static final class Reads extends Counts {
    private final FileSystem.Statistics.StatisticsData thread =
        FileSystem.getStatistics(MetaflowS3FileSystem.SCHEME, MetaflowS3FileSystem.class).getThreadStatistics();
    private final long bytesAtStart = thread.getBytesRead();

    Reads(long objects) {
      this.objects = objects;
    }

    /** Counts bytes a reader fetched with the client itself, not through the file system. */
    void direct(long fetched) {
      bytes += fetched;
    }

    @Override
    long bytesMoved() {
      return thread.getBytesRead() - bytesAtStart + bytes;
    }
  }

  private static CustomTaskMetric task(String name, long value) {
    return new CustomTaskMetric() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public long value() {
        return value;
      }
    };
  }

  /** A metric summed over tasks; public with a no-arg constructor, as Spark instantiates it by name. */
  public static class Sum extends CustomSumMetric {
    private final String name;
    private final String description;

    public Sum() {
      this(OBJECTS, "S3 objects");
    }

    Sum(String name, String description) {
      this.name = name;
      this.description = description;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public String description() {
      return description;
    }
  }
}
