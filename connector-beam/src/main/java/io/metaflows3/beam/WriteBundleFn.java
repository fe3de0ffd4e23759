package io.metaflows3.beam;

import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.core.table.AttemptWriter;
import io.metaflows3.core.table.TableWrite;
import io.metaflows3.core.table.WrittenObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollectionView;
import org.joda.time.Instant;

/**
 * Writes each element under a key unique to the bundle attempt: a random id per bundle, so a retried or
 * duplicated bundle writes new keys and never overwrites another's. Puts run asynchronously, up to
 * {@value #AHEAD} or {@value #AHEAD_BYTES} bytes in flight; what the bundle wrote is emitted when it finishes,
 * each in its element's window, and only the output of bundles the runner commits reaches the table's commit.
 */
final class WriteBundleFn extends DoFn<KV<String, byte[]>, WrittenObject> {
  static final int AHEAD = 64;
  static final long AHEAD_BYTES = 128L << 20;
  private final PCollectionView<TableWrite> job;
  private final S3Settings settings;
  private final String contentType;
  private transient S3 s3;
  private transient AttemptWriter writer;
  private transient Deque<Put> inFlight;
  private transient List<Put> done;
  private transient long bytesInFlight;
  private transient long[] reported;

  /** A put of one element, and where its output goes. */
  private record Put(CompletableFuture<WrittenObject> written, long bytes, Instant timestamp, BoundedWindow window) {}

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

  @StartBundle
  public void startBundle() {
    writer = null;
    inFlight = new ArrayDeque<>();
    done = new ArrayList<>();
    bytesInFlight = 0;
  }

  @ProcessElement
  public void process(ProcessContext context, BoundedWindow window) {
    if (writer == null) {
      writer = openAttempt(context.sideInput(job), s3);
    }
    KV<String, byte[]> element = context.element();
    inFlight.add(new Put(writer.writeAsync(element.getKey(), element.getValue(), contentType),
        element.getValue().length, context.timestamp(), window));
    bytesInFlight += element.getValue().length;
    while (inFlight.size() > AHEAD || bytesInFlight > AHEAD_BYTES) {
      finishOldest();
    }
  }

  /** Waits for the oldest put (failing the bundle if it failed) and keeps it for the bundle's output. */
  private void finishOldest() {
    Put put = inFlight.poll();
    WrittenObject written = S3.await(put.written());
    bytesInFlight -= put.bytes();
    S3Metrics.OBJECTS_WRITTEN.inc();
    S3Metrics.BYTES_WRITTEN.inc(written.size());
    S3Lineage.sink(writer.url(written));
    done.add(put);
  }

  /** A writer for this bundle attempt: a random attempt id, never reused by a retry. */
  static AttemptWriter openAttempt(TableWrite write, S3 s3) {
    return write.openAttempt(s3, "b" + UUID.randomUUID().toString().replace("-", "").substring(0, 16));
  }

  @FinishBundle
  public void finishBundle(FinishBundleContext context) {
    while (!inFlight.isEmpty()) {
      finishOldest();
    }
    done.forEach(put -> context.output(put.written().join(), put.timestamp(), put.window()));
    done = null;
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
