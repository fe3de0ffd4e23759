package io.metaflows3.beam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.core.metaflow.FlowRun;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Watch;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;

/**
 * The watch scenario, for any runner in this JVM (the DirectRunner, Flink's embedded cluster): a run is read
 * object by object as it writes, also after it was first seen; each element carries its object's last-modified
 * time; one-second windows downstream fire while the polls go on, before the next run appears (where the runner
 * passes a splittable DoFn's watermark on as it moves: not Flink's, see {@link #check}); a run ends at its
 * completion marker and the watch when nothing new came for a while.
 */
final class WatchedRuns {
  /** The text each element held and the timestamp it carried, by its object's place below the flow. */
  private static final Map<String, String> TEXTS = new ConcurrentHashMap<>();
  private static final Map<String, Long> STAMPS = new ConcurrentHashMap<>();
  /** When each window first fired (wall-clock millis), by window end; static: DoFns are copies. */
  private static final Map<Long, Long> FIRED = new ConcurrentHashMap<>();

  private WatchedRuns() {}

  /** Records each element's text and timestamp. */
  private static final class StampFn extends DoFn<MetaflowS3Object, Void> {
    @ProcessElement
    public void process(@Element MetaflowS3Object o, @Timestamp org.joda.time.Instant at) {
      String place = o.url.replaceAll(".*/TrainFlow/", "");
      TEXTS.put(place, new String(o.bytes, StandardCharsets.UTF_8));
      STAMPS.put(place, at.getMillis());
    }
  }

  /** Records when each window first fired. */
  private static final class FiredFn extends DoFn<KV<String, Iterable<MetaflowS3Object>>, Void> {
    @ProcessElement
    public void process(BoundedWindow window) {
      FIRED.putIfAbsent(window.maxTimestamp().getMillis() + 1, System.currentTimeMillis());
    }
  }

  /**
   * Runs the scenario on {@code p} (a streaming pipeline) under {@code s3root} and checks what it saw; with
   * {@code firesWhileWatching} false, only that the windows fire at all: Beam 2.70's Flink runner emits a
   * splittable DoFn's watermark only when the watch ends (its operator does not emit the watermark a resumed
   * restriction moves while a bundle is open, and not after the bundle either), for FileIO's
   * {@code match().continuously()} as for this watch.
   */
  static void check(Pipeline p, S3Settings settings, String s3root, boolean firesWhileWatching) throws Exception {
    TEXTS.clear();
    STAMPS.clear();
    FIRED.clear();
    FlowRun one = FlowRun.of("TrainFlow", "1");
    FlowRun two = FlowRun.of("TrainFlow", "2");
    try (S3 s3 = S3.builder().settings(settings).s3root(s3root).run(one).build()) {
      s3.put("data/a", "run one");
    }
    long[] secondRunStored = {0};
    Thread later = new Thread(() -> {
      try (S3 s3 = S3.builder().settings(settings).s3root(s3root).run(one).build();
          S3 next = S3.builder().settings(settings).s3root(s3root).run(two).build()) {
        awaitRead("1/data/a");
        s3.put("data/a2", "run one, later"); // a run writes over time: read though the run was seen before
        awaitRead("1/data/a2");
        Thread.sleep(3000); // polls go on meanwhile: the watermark passes the first run's windows
        secondRunStored[0] = System.currentTimeMillis();
        next.put("data/b", "run two");
        Thread.sleep(500);
        next.put("_done", ""); // run two's marker: it is read to the end, then no longer polled
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    PCollection<MetaflowS3Object> read = p.apply(MetaflowS3IO.watchForNewRuns("TrainFlow").withSettings(settings)
        .withS3root(s3root).withPollInterval(Duration.millis(200))
        .withRunCompletionMarker("_done")
        .withRunTermination(Watch.Growth.afterTimeSinceNewOutput(Duration.standardSeconds(4)))
        // New runs are watched for 10 s after the last one appeared (run two comes 3 s after run one is read).
        .withTermination(Watch.Growth.afterTimeSinceNewOutput(Duration.standardSeconds(10))));
    read.apply("Stamps", ParDo.of(new StampFn()));
    read.apply(Window.into(FixedWindows.of(Duration.standardSeconds(1))))
        .apply(WithKeys.of("all"))
        .apply(GroupByKey.create())
        .apply("Fired", ParDo.of(new FiredFn()));
    later.start();
    p.run().waitUntilFinish();
    later.join();
    assertEquals(Map.of("1/data/a", "run one", "1/data/a2", "run one, later", "2/data/b", "run two"), TEXTS);
    try (S3 s3 = S3.builder().settings(settings).environment(Map.of()).build()) {
      Map<String, Long> modified = new HashMap<>();
      s3.listRecursive(List.of(s3root + "/TrainFlow/")).forEach(o -> modified.put(
          o.url().replaceAll(".*/TrainFlow/", ""), o.lastModified().orElseThrow().toEpochMilli()));
      // Each element carries its object's last-modified time (read back here from a listing).
      modified.remove("2/_done");
      assertEquals(modified, STAMPS);
      long firstWindowEnd = modified.get("1/data/a") / 1000 * 1000 + 1000;
      assertTrue(FIRED.containsKey(firstWindowEnd), "the first run's window fired: " + FIRED);
      assertTrue(!firesWhileWatching || FIRED.get(firstWindowEnd) < secondRunStored[0], "the first run's window "
          + "fired as the polls went on, before the second run was stored, not when the watch ended");
    }
  }

  /** Waits until the pipeline has read the object at {@code place} below the flow. */
  private static void awaitRead(String place) throws InterruptedException {
    for (int i = 0; i < 600 && !STAMPS.containsKey(place); i++) {
      Thread.sleep(50);
    }
  }
}
