package io.metaflows3.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.metaflows3.core.api.S3Object;
import io.metaflows3.core.api.S3PutObject;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.core.transfer.BandwidthLimit;
import io.metaflows3.local.LocalS3Extension;
import io.metaflows3.local.LocalS3Server;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The {@code maxBytesPerSecond} cap: its schedule on a clock the test moves, then transfers against the server. */
@ExtendWith(LocalS3Extension.class)
class BandwidthLimitTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void requestsWaitForTheBytesReservedBeforeThem() {
    AtomicLong now = new AtomicLong(5 * SECOND);
    BandwidthLimit limit = new BandwidthLimit(1_000, now::get);
    assertEquals(0, limit.reserve(500), "the first request starts at once");
    assertEquals(SECOND / 2, limit.reserve(1_000), "the next waits for the first's 500 bytes at 1,000 B/s");
    assertEquals(3 * SECOND / 2, limit.reserve(0));
    now.addAndGet(10 * SECOND);
    assertEquals(0, limit.reserve(2_000), "idle time is not saved up as a burst beyond one request");
    limit.charge(1_000);
    assertEquals(3 * SECOND, limit.reserve(100), "bytes charged after a request delay the ones after it");
  }

  @Test
  void noLimitNeverWaits() {
    assertEquals(0, BandwidthLimit.NONE.reserve(Long.MAX_VALUE / 2));
    assertEquals(0, BandwidthLimit.NONE.reserve(1));
    assertThrows(IllegalArgumentException.class, () -> S3Settings.builder().maxBytesPerSecond(-1));
    assertThrows(IllegalArgumentException.class,
        () -> S3Settings.fromOptions(Map.of("maxBytesPerSecond", "fast"), S3Settings.builder().build()));
    assertEquals(2L << 20, S3Settings.fromOptions(Map.of("maxBytesPerSecond", "2m"), S3Settings.builder().build())
        .maxBytesPerSecond());
  }

  /**
   * 8 objects of 512 KiB at 1 MiB/s: a request starts only after the bytes before it had their time, so the last
   * of each batch starts 3.5 s after the first, however fast the server; the data arrives whole all the same.
   * GETs of unknown size start together but owe their bytes: the batch after them waits.
   */
  @Test
  void transfersKeepToTheCapBothWays(LocalS3Server server) {
    S3Settings capped = LocalS3.settings(server).maxBytesPerSecond(1L << 20).build();
    List<byte[]> data = new ArrayList<>();
    List<S3PutObject> objects = new ArrayList<>();
    Random random = new Random(7);
    for (int i = 0; i < 8; i++) {
      data.add(new byte[512 << 10]);
      random.nextBytes(data.get(i));
      objects.add(S3PutObject.of("capped/" + i, data.get(i)));
    }
    try (S3 s3 = S3.builder().settings(capped).s3root(LocalS3.root(server, "bandwidth/")).environment(Map.of())
        .build()) {
      long start = System.nanoTime();
      s3.putMany(objects);
      long putNanos = System.nanoTime() - start;
      start = System.nanoTime();
      List<S3Object> got = s3.getRecursive(List.of("capped/"));
      long getNanos = System.nanoTime() - start;
      assertTrue(putNanos >= 3_400_000_000L, "8 x 512 KiB put at 1 MiB/s took only " + putNanos / 1e9 + " s");
      assertTrue(getNanos >= 3_400_000_000L, "8 x 512 KiB read at 1 MiB/s took only " + getNanos / 1e9 + " s");
      assertEquals(8, got.size());
      for (int i = 0; i < 8; i++) {
        assertArrayEquals(data.get(i), got.get(i).blob());
      }
      // Keys without a listing: sizes unknown, each GET charged when in, so the next batch waits for them.
      List<String> keys = got.stream().map(o -> "capped/" + o.key()).toList();
      s3.getMany(keys);
      start = System.nanoTime();
      List<S3Object> again = s3.getMany(keys);
      long againNanos = System.nanoTime() - start;
      assertTrue(againNanos >= 3_400_000_000L, "the batch after 4 MiB of unknown size took " + againNanos / 1e9);
      assertArrayEquals(data.get(7), again.get(7).blob());
    }
  }
}
