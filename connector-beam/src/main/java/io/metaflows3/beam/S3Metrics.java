package io.metaflows3.beam;

import io.metaflows3.core.api.TransferStats;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;

/**
 * Beam counters of what the connector did: ranges read (a whole object, or a byte range of a large one),
 * objects written, bytes, requests and retries.
 */
final class S3Metrics {
  static final String NAMESPACE = "metaflow-s3";
  static final Counter RANGES_READ = Metrics.counter(NAMESPACE, "rangesRead");
  static final Counter BYTES_READ = Metrics.counter(NAMESPACE, "bytesRead");
  static final Counter OBJECTS_WRITTEN = Metrics.counter(NAMESPACE, "objectsWritten");
  static final Counter BYTES_WRITTEN = Metrics.counter(NAMESPACE, "bytesWritten");
  static final Counter REQUESTS = Metrics.counter(NAMESPACE, "requests");
  static final Counter RETRIES = Metrics.counter(NAMESPACE, "retries");

  private S3Metrics() {}

  /** Adds the requests and retries a client made since {@code since} (a snapshot of {requests, retries}). */
  static long[] report(TransferStats stats, long[] since) {
    long[] now = {stats.requests(), stats.retries()};
    REQUESTS.inc(now[0] - since[0]);
    RETRIES.inc(now[1] - since[1]);
    return now;
  }
}
