package io.metaflows3.hadoop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.metaflows3.core.LocalS3;
import io.metaflows3.core.S3;
import io.metaflows3.core.SharedClients;
import io.metaflows3.local.LocalS3Extension;
import io.metaflows3.local.LocalS3Server;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileRange;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The range cache and a task's prefetch, counted in the GETs the file system's client sends to the server. */
@ExtendWith(LocalS3Extension.class)
class PrefetchAndCacheTest {
  private final LocalS3Server server;
  private final Configuration conf = new Configuration(false);
  private final S3 s3;

  PrefetchAndCacheTest(LocalS3Server server) {
    this.server = server;
    FileSystemSettings.apply(conf, LocalS3.settings(server).build());
    this.s3 = SharedClients.get(FileSystemSettings.of(conf));
  }

  /** Stores {@code size} random bytes at {@code key} and tells the file system its listed version. */
  private byte[] listed(String key, int size, long seed) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    String url = url(key);
    s3.put(url, data);
    ListedObjects.remember(url, new ListedObjects.Listed(size, s3.info(url).etag().orElseThrow(), 0));
    return data;
  }

  private String url(String key) {
    return "s3://" + server.bucket() + "/cache/" + key;
  }

  private long gets() {
    return s3.stats().getRequests();
  }

  /** Reads the tail and two vectored ranges of an object; returns them end to end. */
  private byte[] readTailAndRanges(String key) throws Exception {
    Path p = MetaflowS3FileSystem.pathOf(url(key));
    FileSystem fs = p.getFileSystem(conf);
    long size = fs.getFileStatus(p).getLen();
    byte[] out = new byte[8 + 500_000 + 300_000];
    try (FSDataInputStream in = fs.open(p)) {
      in.readFully(size - 8, out, 0, 8);
      List<FileRange> ranges = List.of(FileRange.createFileRange(100_000, 500_000),
          FileRange.createFileRange(2_000_000, 300_000));
      in.readVectored(ranges, ByteBuffer::allocate);
      ranges.get(0).getData().get().get(out, 8, 500_000);
      ranges.get(1).getData().get().get(out, 500_008, 300_000);
    }
    return out;
  }

  @Test
  void aListedVersionsFooterAndRangesAreFetchedOnceAndNeverServeAnotherVersion() throws Exception {
    byte[] data = listed("versioned.bin", 3_000_000, 1);
    long before = gets();
    byte[] first = readTailAndRanges("versioned.bin");
    assertEquals(3, gets() - before, "the tail and two ranges");
    assertArrayEquals(Arrays.copyOfRange(data, 100_000, 600_000), Arrays.copyOfRange(first, 8, 500_008));
    before = gets();
    assertArrayEquals(first, readTailAndRanges("versioned.bin"));
    assertEquals(0, gets() - before, "a second stream of the same version is served from the cache");
    byte[] newer = listed("versioned.bin", 3_000_000, 2);
    before = gets();
    byte[] read = readTailAndRanges("versioned.bin");
    assertEquals(3, gets() - before, "a new version is fetched anew");
    assertArrayEquals(Arrays.copyOfRange(newer, 2_000_000, 2_300_000), Arrays.copyOfRange(read, 500_008, 800_008));
  }

  @Test
  void theCacheKeepsAtMostItsCapacityEvictingTheLeastRecentlyUsed() {
    RangeCache cache = new RangeCache(1 << 20);
    List<String> etags = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      listed("lru-" + i, 250_000, i);
      etags.add(ListedObjects.lookup(url("lru-" + i)).etag());
      S3.await(cache.fetch(s3, url("lru-" + i), etags.get(i), 0, 250_000).bytes());
      assertNotNull(cache.find(s3, url("lru-0"), etags.get(0), 0, 250_000), "used again, so kept");
      assertTrue(cache.size() <= 1 << 20, "cache holds " + cache.size() + " bytes");
    }
    assertNull(cache.find(s3, url("lru-1"), etags.get(1), 0, 250_000), "the least recently used was evicted");
    assertNotNull(cache.find(s3, url("lru-5"), etags.get(5), 100, 1000), "a range inside a kept one is found");
    assertNull(cache.find(s3, url("lru-5"), "\"another-version\"", 0, 250_000));
    assertNull(cache.find(s3, url("lru-5"), etags.get(5), 200_000, 50_001), "nor one reaching past it");
    RangeCache none = new RangeCache(0);
    assertEquals(250_000, S3.await(none.fetch(s3, url("lru-5"), etags.get(5), 0, 250_000).bytes()).length);
    assertNull(none.find(s3, url("lru-5"), etags.get(5), 0, 250_000), "a cache of size 0 keeps nothing");
  }

  @Test
  void aTasksPrefetchStaysEightObjectsAheadOfItsReaderAndServesItsReads() throws Exception {
    List<TailPrefetch.Target> targets = new ArrayList<>();
    List<byte[]> data = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      data.add(listed("task/" + i, 2_000_000, 10 + i));
      targets.add(new TailPrefetch.Target(url("task/" + i), 2_000_000, ListedObjects.lookup(url("task/" + i)).etag()));
    }
    long before = gets();
    // Each object's tail, then the reader's next vectored read of it: bytes [0, 200,000).
    try (TailPrefetch prefetch = TailPrefetch.start(s3, targets,
        (object, tailStart, tail) -> List.of(List.of(FileRange.createFileRange(0, 200_000))))) {
      awaitGets(before + 16, "8 objects ahead: a tail and a range each");
      Path p = MetaflowS3FileSystem.pathOf(url("task/0"));
      try (FSDataInputStream in = p.getFileSystem(conf).open(p)) {
        awaitGets(before + 18, "opening the first lets one more object's tail and range start");
        List<FileRange> ranges = List.of(FileRange.createFileRange(0, 200_000));
        in.readVectored(ranges, ByteBuffer::allocate);
        byte[] got = new byte[200_000];
        ranges.get(0).getData().get().get(got);
        assertArrayEquals(Arrays.copyOf(data.get(0), 200_000), got);
        byte[] last = new byte[8];
        in.readFully(2_000_000 - 8, last);
        assertArrayEquals(Arrays.copyOfRange(data.get(0), 2_000_000 - 8, 2_000_000), last);
      }
      Thread.sleep(300);
      assertEquals(before + 18, gets(), "the reader's tail and range came from the prefetch");
    }
  }

  private void awaitGets(long expected, String what) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (gets() < expected && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    Thread.sleep(300); // and no more than that
    assertEquals(expected, gets(), what);
  }
}
