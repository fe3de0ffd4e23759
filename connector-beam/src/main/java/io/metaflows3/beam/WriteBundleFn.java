package io.metaflows3.beam;

import io.metaflows3.core.AttemptWriter;
import io.metaflows3.core.S3;
import io.metaflows3.core.WriteJob;
import io.metaflows3.core.WrittenObject;
import java.util.UUID;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;

/**
 * Writes each element under a key unique to the bundle attempt: a random id per bundle, so a retried or
 * duplicated bundle writes new keys and never overwrites another's. Emits what it wrote; only the output of
 * bundles the runner commits reaches the manifest.
 */
final class WriteBundleFn extends DoFn<KV<String, byte[]>, WrittenObject> {
  private final WriteJob job;
  private final String contentType;
  private transient S3 s3;
  private transient AttemptWriter writer;
  private transient long[] reported;

  WriteBundleFn(WriteJob job, String contentType) {
    this.job = job;
    this.contentType = contentType;
  }

  @Setup
  public void setup() {
    s3 = S3.builder().settings(job.settings()).build();
    reported = new long[2];
  }

  @StartBundle
  public void startBundle() {
    writer = job.openAttempt(s3, "b" + UUID.randomUUID().toString().replace("-", "").substring(0, 16));
  }

  @ProcessElement
  public void process(@Element KV<String, byte[]> element, OutputReceiver<WrittenObject> out) {
    WrittenObject written = writer.write(element.getKey(), element.getValue(), contentType);
    S3Metrics.OBJECTS_WRITTEN.inc();
    S3Metrics.BYTES_WRITTEN.inc(written.size());
    out.output(written);
  }

  @FinishBundle
  public void finishBundle() {
    writer = null;
    reported = S3Metrics.report(s3.stats(), reported);
  }

  @Teardown
  public void teardown() {
    if (s3 != null) {
      s3.close();
    }
  }
}
