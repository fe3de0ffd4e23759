package io.metaflows3.beam;

import io.metaflows3.core.S3;
import io.metaflows3.core.S3Settings;
import io.metaflows3.core.table.AttemptWriter;
import io.metaflows3.core.table.TableWrite;
import io.metaflows3.core.table.WrittenObject;
import java.util.UUID;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollectionView;

/**
 * Writes each element under a key unique to the bundle attempt: a random id per bundle, so a retried or
 * duplicated bundle writes new keys and never overwrites another's. Emits what it wrote; only the output of
 * bundles the runner commits reaches the table's commit.
 */
final class WriteBundleFn extends DoFn<KV<String, byte[]>, WrittenObject> {
  private final PCollectionView<TableWrite> job;
  private final S3Settings settings;
  private final String contentType;
  private transient S3 s3;
  private transient AttemptWriter writer;
  private transient long[] reported;

  WriteBundleFn(PCollectionView<TableWrite> job, S3Settings settings, String contentType) {
    this.job = job;
    this.settings = settings;
    this.contentType = contentType;
  }

  @Setup
  public void setup() {
    s3 = S3.builder().settings(settings).build();
    reported = new long[2];
  }

  @ProcessElement
  public void process(ProcessContext context) {
    if (writer == null) {
      writer = openAttempt(context.sideInput(job), s3);
    }
    KV<String, byte[]> element = context.element();
    WrittenObject written = writer.write(element.getKey(), element.getValue(), contentType);
    S3Metrics.OBJECTS_WRITTEN.inc();
    S3Metrics.BYTES_WRITTEN.inc(written.size());
    context.output(written);
  }

  /** A writer for this bundle attempt: a random attempt id, never reused by a retry. */
  static AttemptWriter openAttempt(TableWrite write, S3 s3) {
    return write.openAttempt(s3, "b" + UUID.randomUUID().toString().replace("-", "").substring(0, 16));
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
