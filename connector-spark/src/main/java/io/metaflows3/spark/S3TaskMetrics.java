package io.metaflows3.spark;

import io.metaflows3.core.TransferStats;
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

  static CustomMetric[] supported() {
    return new CustomMetric[] {new Sum(OBJECTS, "S3 objects"), new Sum(BYTES, "S3 bytes"),
        new Sum(REQUESTS, "S3 requests (executor client, during tasks)"),
        new Sum(RETRIES, "S3 retries (executor client, during tasks)")};
  }

  /** One task's counts; requests and retries are those of the executor's shared client while the task ran. */
  static final class Counts {
    long objects;
    long bytes;
    private final TransferStats stats;
    private final long requestsAtStart;
    private final long retriesAtStart;

    Counts(TransferStats stats) {
      this.stats = stats;
      this.requestsAtStart = stats.requests();
      this.retriesAtStart = stats.retries();
    }

    CustomTaskMetric[] values() {
      return new CustomTaskMetric[] {task(OBJECTS, objects), task(BYTES, bytes),
          task(REQUESTS, stats.requests() - requestsAtStart), task(RETRIES, stats.retries() - retriesAtStart)};
    }
  }

  /**
   * One reading task's counts: the bytes and GETs of its own thread through the file system (Hadoop counts per
   * thread, so tasks running side by side in one executor are told apart); retries are the executor client's.
   */
  static final class Reads {
    private final FileSystem.Statistics.StatisticsData thread =
        FileSystem.getStatistics(MetaflowS3FileSystem.SCHEME, MetaflowS3FileSystem.class).getThreadStatistics();
    private final long bytesAtStart = thread.getBytesRead();
    private final long requestsAtStart = thread.getReadOps();
    private final TransferStats stats;
    private final long retriesAtStart;
    private final long objects;
    private long directBytes;
    private long directRequests;

    Reads(TransferStats stats, long objects) {
      this.stats = stats;
      this.retriesAtStart = stats.retries();
      this.objects = objects;
    }

    /** Counts requests a reader made with the client itself, not through the file system. */
    void direct(long bytes, long requests) {
      directBytes += bytes;
      directRequests += requests;
    }

    CustomTaskMetric[] values() {
      return new CustomTaskMetric[] {task(OBJECTS, objects),
          task(BYTES, thread.getBytesRead() - bytesAtStart + directBytes),
          task(REQUESTS, thread.getReadOps() - requestsAtStart + directRequests),
          task(RETRIES, stats.retries() - retriesAtStart)};
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
