package io.metaflows3.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.metaflows3.core.metaflow.MetaflowS3AccessDenied;
import io.metaflows3.core.metaflow.MetaflowS3Exception;
import io.metaflows3.core.metaflow.MetaflowS3NotFound;
import io.metaflows3.core.api.ObjectRange;
import io.metaflows3.core.api.PutOption;
import io.metaflows3.core.api.S3GetObject;
import io.metaflows3.core.api.S3Object;
import io.metaflows3.core.api.S3PutObject;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.core.transfer.TaskRequests;
import io.metaflows3.local.FaultProxy;
import io.metaflows3.local.LocalS3Extension;
import io.metaflows3.local.LocalS3Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/** Nothing is lost under throttling, server errors, resets and truncated bodies injected between client and server. */
@ExtendWith(LocalS3Extension.class)
class FaultToleranceTest {
  private static final FaultProxy.Rates TYPICAL = new FaultProxy.Rates(0.05, 0.02, 0.01, 0.01, 0.01, 0);
  private final LocalS3Server server;
  private final S3Client direct;
  private FaultProxy proxy;

  FaultToleranceTest(LocalS3Server server, S3Client direct) {
    this.server = server;
    this.direct = direct;
  }

  @BeforeEach
  void startProxy() {
    proxy = FaultProxy.start(server.endpoint(), 20261125);
  }

  @AfterEach
  void stopProxy() {
    proxy.close();
  }

  /** A client that talks to the server through the proxy; quick backoff keeps the test short. */
  private S3 faulty(String prefix, S3Settings.Builder tweak) {
    S3Settings settings = tweak.endpoint(proxy.endpoint().toString())
        .credentials(LocalS3Server.ACCESS_KEY_ID, LocalS3Server.SECRET_ACCESS_KEY, null)
        .backoff(Duration.ofMillis(5), Duration.ofMillis(100)).maxAttempts(8).build();
    return S3.builder().settings(settings).s3root(LocalS3.root(server, "faults/" + prefix + "/")).build();
  }

  private static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  /**
   * Two tasks share one client under faults: each counts exactly its own requests and retries, those that follow
   * from them on the client's threads (a multipart upload's parts and completion) included.
   */
  @Test
  void tasksSharingAClientCountTheirOwnRequestsAndRetries(@TempDir Path dir) throws Exception {
    Path file = Files.write(dir.resolve("big.bin"), random(12 * 1024 * 1024 + 5, 3));
    proxy.rates(TYPICAL);
    try (S3 s3 = faulty("tasks", S3Settings.builder().partSize(5 * S3Settings.MIB)
        .multipartThreshold(5 * S3Settings.MIB))) {
      TaskRequests upload = new TaskRequests();
      TaskRequests smalls = new TaskRequests();
      long requestsBefore = s3.stats().requests();
      long retriesBefore = s3.stats().retries();
      Thread other = new Thread(() -> {
        try (TaskRequests.Scope scope = smalls.open()) {
          for (int i = 0; i < 40; i++) {
            s3.put("small-" + i, "value " + i);
          }
        }
      });
      other.start();
      try (TaskRequests.Scope scope = upload.open()) {
        s3.putFiles(Map.of("big.bin", file));
      }
      other.join();
      long uploadTries = upload.requests() - upload.retries();
      assertEquals(5, uploadTries, "create, three parts, complete: each once but for its retries");
      assertEquals(40, smalls.requests() - smalls.retries(), "one PUT per small object but for retries");
      assertEquals(s3.stats().requests() - requestsBefore, upload.requests() + smalls.requests(),
          "every request of the client belongs to exactly one of the two tasks");
      assertEquals(s3.stats().retries() - retriesBefore, upload.retries() + smalls.retries());
      assertTrue(upload.retries() + smalls.retries() > 0, "the proxy made some requests fail");
      s3.put("outside", "no task");
      assertEquals(45, upload.requests() - upload.retries() + smalls.requests() - smalls.retries(),
          "a request outside any scope counts for no task");
    }
  }

  @Test
  void getManyOfFiveThousandObjectsReturnsEveryByte() {
    List<byte[]> data = new ArrayList<>();
    List<S3PutObject> puts = new ArrayList<>();
    for (int i = 1; i <= 5000; i++) {
      byte[] d = random(256 + i % 2048, i);
      data.add(d);
      puts.add(S3PutObject.of(LocalS3.root(server, "faults/get/obj-" + i), d));
    }
    try (S3 setup = S3.builder().settings(LocalS3.settings(server).build()).environment(Map.of()).build()) {
      setup.putMany(puts);
    }
    proxy.rates(TYPICAL);
    try (S3 s3 = faulty("get", S3Settings.builder())) {
      List<String> keys = new ArrayList<>();
      for (int i = 1; i <= 5000; i++) {
        keys.add("obj-" + i);
      }
      List<S3Object> got = s3.getMany(keys);
      for (int i = 0; i < 5000; i++) {
        assertArrayEquals(data.get(i), got.get(i).blob(), keys.get(i));
      }
      assertTrue(s3.stats().retries() > 200, "faults were met and retried: " + s3.stats());
      assertTrue(proxy.faults() > 200, "faults injected: " + proxy.faults());
    }
  }

  @Test
  void putManyOfFiveThousandObjectsStoresEveryByte() {
    proxy.rates(TYPICAL);
    List<S3PutObject> puts = new ArrayList<>();
    for (int i = 0; i < 5000; i++) {
      puts.add(S3PutObject.of("put-" + i, random(100 + i % 1000, -i)));
    }
    try (S3 s3 = faulty("put", S3Settings.builder())) {
      assertEquals(5000, s3.putMany(puts).size());
      assertTrue(s3.stats().retries() > 200, s3.stats().toString());
    }
    try (S3 check = S3.builder().settings(LocalS3.settings(server).build()).s3root(LocalS3.root(server, "faults/put/"))
        .build()) {
      List<S3Object> stored = check.getMany(puts.stream().map(S3PutObject::key).toList());
      for (int i = 0; i < 5000; i++) {
        assertArrayEquals(puts.get(i).value(), stored.get(i).blob(), puts.get(i).key());
      }
    }
  }

  @Test
  void largeRangedReadsSurviveFaultsInsideRanges() {
    byte[] data = random(6 * 1024 * 1024 + 333, 5);
    direct.putObject(b -> b.bucket(server.bucket()).key("faults/large/big.bin"), RequestBody.fromBytes(data));
    proxy.rates(new FaultProxy.Rates(0.05, 0.05, 0.05, 0.10, 0.10, 0.02));
    try (S3 s3 = faulty("large", S3Settings.builder().partSize(128 * 1024))) {
      for (int round = 0; round < 3; round++) {
        assertArrayEquals(data, s3.get("big.bin").blob());
        byte[] slice = s3.get(S3GetObject.of("big.bin", 1_000_000, 2_500_000)).blob();
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 1_000_000, 3_500_000), slice);
        // The engines' in-memory path: the same faults, the same bytes.
        S3Object info = s3.info("big.bin");
        byte[] inMemory = s3.readRange(new ObjectRange(info.url(), info.size(), info.etag().orElseThrow(),
            1_000_000, 3_500_000, Map.of())).bytes();
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 1_000_000, 3_500_000), inMemory);
      }
      assertTrue(s3.stats().retries() > 10, s3.stats().toString());
    }
  }

  @Test
  void aDownloadThatFailsLeavesNoFileAndTheErrorIsTyped() {
    direct.putObject(b -> b.bucket(server.bucket()).key("faults/gone/x"), RequestBody.fromString("data"));
    proxy.rates(new FaultProxy.Rates(1, 0, 0, 0, 0, 0));
    try (S3 s3 = faulty("gone", S3Settings.builder())) {
      S3Settings few = s3.settings().toBuilder().maxAttempts(3).build();
      try (S3 limited = S3.builder().settings(few).s3root(s3.root().orElseThrow()).build()) {
        MetaflowS3Exception e = assertThrows(MetaflowS3Exception.class, () -> limited.get("x"));
        assertTrue(e.getMessage().contains("503"), e.getMessage());
        assertEquals(3, limited.stats().requests(), "bounded: exactly maxAttempts requests");
        assertEquals(List.of(), LocalS3.tempFiles(limited));
      }
    }
  }

  @Test
  void permanentErrorsAreNotRetried() {
    try (S3 s3 = faulty("permanent", S3Settings.builder())) {
      assertThrows(MetaflowS3NotFound.class, () -> s3.get("missing"));
      assertEquals(1, s3.stats().requests());
      assertThrows(MetaflowS3NotFound.class, () -> s3.info("missing"));
      assertEquals(2, s3.stats().requests());
    }
    S3Settings wrong = S3Settings.builder().endpoint(proxy.endpoint().toString())
        .credentials(LocalS3Server.ACCESS_KEY_ID, "not-the-secret", null).build();
    try (S3 s3 = S3.builder().settings(wrong).s3root(LocalS3.root(server, "faults/")).build()) {
      assertThrows(MetaflowS3AccessDenied.class, () -> s3.get("anything"));
      assertEquals(1, s3.stats().requests());
    }
  }

  @Test
  void aFailedMultipartUploadLeavesNoOpenUpload(@TempDir Path dir) throws Exception {
    Path file = Files.write(dir.resolve("big.bin"), random(12 * 1024 * 1024, 9));
    // Every part upload fails; everything else (create, abort) goes through.
    proxy.rates(new FaultProxy.Rates(0, 1, 0, 0, 0, 0))
        .onlyFor(r -> r.method().equals("PUT") && r.target().contains("partNumber="));
    try (S3 s3 = faulty("mpu", S3Settings.builder().multipartThreshold(5 << 20).partSize(5 << 20).maxAttempts(2))) {
      assertThrows(MetaflowS3Exception.class, () -> s3.putFiles(Map.of("big.bin", file)));
    }
    assertTrue(direct.listMultipartUploads(b -> b.bucket(server.bucket())).uploads().isEmpty());
    assertTrue(direct.listObjectsV2(b -> b.bucket(server.bucket()).prefix("faults/mpu/")).contents().isEmpty());
  }

  @Test
  void racingNoOverwritePutsHaveExactlyOneWinner() throws Exception {
    try (S3 a = faulty("race", S3Settings.builder()); S3 b = faulty("race", S3Settings.builder())) {
      for (int round = 0; round < 20; round++) {
        String key = "contested-" + round;
        var fa = java.util.concurrent.CompletableFuture.supplyAsync(
            () -> a.putMany(List.of(S3PutObject.of(key, "from a")), PutOption.NO_OVERWRITE));
        var fb = java.util.concurrent.CompletableFuture.supplyAsync(
            () -> b.putMany(List.of(S3PutObject.of(key, "from b")), PutOption.NO_OVERWRITE));
        int winners = fa.get().size() + fb.get().size();
        assertEquals(1, winners, "exactly one writer stores " + key);
        String stored = a.get(key).text();
        assertEquals(fa.get().isEmpty() ? "from b" : "from a", stored, "the loser's data never appears");
      }
    }
  }
}
