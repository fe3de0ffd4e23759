package io.metaflows3.beam;

import io.metaflows3.core.api.S3Url;
import java.util.List;
import org.apache.beam.sdk.metrics.Lineage;

/**
 * Beam's lineage of what a pipeline reads and writes, reported as Beam's own S3 filesystem reports a file:
 * system {@code s3}, the bucket, then the key.
 */
final class S3Lineage {
  private S3Lineage() {}

  static void source(String url) {
    report(Lineage.getSources(), url);
  }

  static void sink(String url) {
    report(Lineage.getSinks(), url);
  }

  private static void report(Lineage lineage, String url) {
    S3Url parsed = S3Url.parse(url);
    lineage.add("s3", List.of(parsed.bucket(), parsed.key()), "/");
  }
}
