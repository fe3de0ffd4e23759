package io.metaflows3.beam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.metaflows3.core.LocalS3;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.core.table.TableWrite;
import io.metaflows3.core.table.TableReads;
import io.metaflows3.local.LocalS3Extension;
import io.metaflows3.local.LocalS3Server;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.windowing.AfterPane;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Repeatedly;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** write() of objects, recorded in a Delta log of their own: a write per run of a graph, duplicate keys, windows and unbounded input. */
@ExtendWith(LocalS3Extension.class)
class TableWriteBeamTest {
  private static final KvCoder<String, byte[]> CODER = KvCoder.of(StringUtf8Coder.of(), ByteArrayCoder.of());
  private final LocalS3Server server;
  private final S3Settings settings;

  TableWriteBeamTest(LocalS3Server server) {
    this.server = server;
    this.settings = LocalS3.settings(server).build();
  }

  private String table(String name) {
    return LocalS3.root(server, "beam-tables/" + name + "/");
  }

  private MetaflowS3IO.Write write(String table) {
    return MetaflowS3IO.write().withSettings(settings).to(table);
  }

  private static KV<String, byte[]> kv(String key) {
    return KV.of(key, key.getBytes(StandardCharsets.UTF_8));
  }

  private List<String> read(String table) {
    try (S3 s3 = S3.builder().settings(settings).environment(Map.of()).build()) {
      List<String> texts = new ArrayList<>(TableReads.visible(s3, table));
      texts.sort(null);
      return texts;
    }
  }

  /** The commits recorded for the table's objects: its Delta versions after the first (the empty record). */
  private long commits(String table) {
    try (S3 s3 = S3.builder().settings(settings).environment(Map.of()).build()) {
      return s3.listPaths(List.of(table + TableWrite.OBJECTS_FOLDER + "_delta_log/")).stream()
          .filter(o -> o.url().matches(".*/\\d{20}\\.json")).count() - 1;
    }
  }

  @Test
  void runningTheSameGraphTwiceMakesTwoWrites() {
    String t = table("rerun");
    Pipeline p = Pipeline.create(PipelineOptionsFactory.create());
    p.apply(Create.of(kv("a"), kv("b")).withCoder(CODER)).apply(write(t));
    p.run().waitUntilFinish();
    p.run().waitUntilFinish();
    assertEquals(List.of("a", "a", "b", "b"), read(t), "each run is its own write, with its own id");
    assertEquals(2, commits(t), "one commit per run");
  }

  @Test
  void aRerunUnderTheSameTransactionIdAddsNothing() {
    String t = table("transaction-id");
    for (long version : new long[] {1, 1, 2}) {
      Pipeline p = Pipeline.create(PipelineOptionsFactory.create());
      p.apply(Create.of(kv("v" + version)).withCoder(CODER)).apply(write(t).withTransactionId("daily", version));
      p.run().waitUntilFinish();
    }
    assertEquals(List.of("v1", "v2"), read(t), "the rerun of version 1 added nothing");
    assertThrows(IllegalArgumentException.class, () -> Pipeline.create(PipelineOptionsFactory.create())
        .apply(Create.of(kv("x")).withCoder(CODER)).apply(Window.into(FixedWindows.of(Duration.standardMinutes(1))))
        .apply(write(t).withTransactionId("daily", 3)), "a write committed per window takes no transaction id");
  }

  @Test
  void twoElementsWithOneKeyFailTheWriteNamingTheKey() {
    String t = table("duplicates");
    Pipeline p = Pipeline.create(PipelineOptionsFactory.create());
    p.apply(Create.of(kv("same"), kv("other"), kv("same")).withCoder(CODER)).apply(write(t));
    RuntimeException e = assertThrows(RuntimeException.class, () -> p.run().waitUntilFinish());
    assertTrue(String.valueOf(e.getMessage()).contains("'same'"), String.valueOf(e.getMessage()));
    assertEquals(List.of(), read(t), "nothing of the failed write is visible");
  }

  @Test
  void windowedInputCommitsOncePerWindow() {
    String t = table("windows");
    Pipeline p = Pipeline.create(PipelineOptionsFactory.create());
    p.apply(Create.timestamped(List.of(
            TimestampedValue.of(kv("w0-a"), new Instant(0)), TimestampedValue.of(kv("w0-b"), new Instant(1000)),
            TimestampedValue.of(kv("w1-a"), new Instant(61_000)))).withCoder(CODER))
        .apply(Window.into(FixedWindows.of(Duration.standardMinutes(1))))
        .apply(write(t));
    p.run().waitUntilFinish();
    assertEquals(List.of("w0-a", "w0-b", "w1-a"), read(t));
    assertEquals(2, commits(t), "one commit per window");
    assertThrows(IllegalArgumentException.class, () -> Pipeline.create(PipelineOptionsFactory.create())
        .apply(Create.of(kv("x")).withCoder(CODER)).apply(Window.into(FixedWindows.of(Duration.standardMinutes(1))))
        .apply(write(t).withReplace()), "replacing the table per window is refused");
  }

  /** Bounded input in the global window but another trigger: each pane is a commit of its own, none is lost. */
  @Test
  void everyPaneOfATriggeredGlobalWindowIsCommitted() {
    String t = table("triggered");
    List<KV<String, byte[]>> input = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      input.add(kv("k" + (100 + i)));
    }
    Pipeline p = Pipeline.create(PipelineOptionsFactory.create());
    p.apply(Create.of(input).withCoder(CODER))
        .apply(Window.<KV<String, byte[]>>into(new GlobalWindows())
            .triggering(Repeatedly.forever(AfterPane.elementCountAtLeast(1))).discardingFiredPanes()
            .withAllowedLateness(Duration.ZERO))
        .apply(write(t));
    p.run().waitUntilFinish();
    assertEquals(input.stream().map(KV::getKey).sorted().toList(), read(t));
    assertThrows(IllegalArgumentException.class, () -> Pipeline.create(PipelineOptionsFactory.create())
        .apply(Create.of(kv("x")).withCoder(CODER)).apply(Window.<KV<String, byte[]>>into(new GlobalWindows())
            .triggering(Repeatedly.forever(AfterPane.elementCountAtLeast(1))).discardingFiredPanes()
            .withAllowedLateness(Duration.ZERO)).apply(write(t).withReplace()),
        "replacing the table per pane is refused");
  }

  /** A replace by no input empties the table, as Spark's overwrite by an empty DataFrame does. */
  @Test
  void replacingByNothingEmptiesTheTable() {
    String t = table("replace-by-nothing");
    Pipeline first = Pipeline.create(PipelineOptionsFactory.create());
    first.apply(Create.of(kv("a"), kv("b")).withCoder(CODER)).apply(write(t));
    first.run().waitUntilFinish();
    assertEquals(List.of("a", "b"), read(t));
    Pipeline second = Pipeline.create(PipelineOptionsFactory.create());
    second.apply(Create.empty(CODER)).apply(write(t).withReplace());
    second.run().waitUntilFinish();
    assertEquals(List.of(), read(t));
  }

  @Test
  void unboundedInputAppendsToTheTableAsWindowsClose() {
    String t = table("stream");
    TestStream<KV<String, byte[]>> stream = TestStream.create(CODER)
        .addElements(TimestampedValue.of(kv("first-a"), new Instant(0)),
            TimestampedValue.of(kv("first-b"), new Instant(500)))
        .advanceWatermarkTo(new Instant(60_000))
        .addElements(TimestampedValue.of(kv("second"), new Instant(70_000)))
        .advanceWatermarkToInfinity();
    Pipeline p = Pipeline.create(PipelineOptionsFactory.create());
    PCollection<KV<String, byte[]>> input = p.apply(stream)
        .apply(Window.into(FixedWindows.of(Duration.standardMinutes(1))));
    input.apply(write(t));
    p.run().waitUntilFinish();
    assertEquals(List.of("first-a", "first-b", "second"), read(t));
    assertEquals(2, commits(t), "one version per window, as each closed");
  }
}
