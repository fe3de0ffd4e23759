package io.metaflows3.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.metaflows3.core.api.ByteRange;
import io.metaflows3.core.metaflow.MetaflowS3Exception;
import io.metaflows3.core.metaflow.MetaflowS3InvalidRange;
import io.metaflows3.core.api.ObjectBytes;
import io.metaflows3.core.api.ObjectRange;
import io.metaflows3.core.api.PutOption;
import io.metaflows3.core.api.RangeInfo;
import io.metaflows3.core.api.S3GetObject;
import io.metaflows3.core.api.S3Object;
import io.metaflows3.core.api.S3PutObject;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.core.api.S3Url;
import io.metaflows3.core.api.ServerSideEncryption;
import io.metaflows3.local.LocalS3Extension;
import io.metaflows3.local.LocalS3Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/** Large and many objects, byte ranges, content types, metadata, temp files: the transfer engine's work. */
@ExtendWith(LocalS3Extension.class)
class TransferTest {
  private static final int PART = 64 * 1024;
  private final LocalS3Server server;

  TransferTest(LocalS3Server server) {
    this.server = server;
  }

  /** A client with tiny parts, so that objects of a few hundred KiB are fetched as many ranges. */
  private S3 client(String prefix) {
    return S3.builder().settings(LocalS3.settings(server).partSize(PART).build())
        .s3root(LocalS3.root(server, "transfer/" + prefix + "/")).build();
  }

  private static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void largeObjectIsFetchedAsRangesIntoOneFile() {
    byte[] data = random(PART * 7 + 123, 1);
    try (S3 s3 = client("large")) {
      s3.put("big.bin", data);
      long getsBefore = s3.stats().getRequests();
      S3Object whole = s3.get("big.bin");
      assertArrayEquals(data, whole.blob());
      assertEquals(8, s3.stats().getRequests() - getsBefore, "one GET per 64 KiB part");
      assertEquals(new RangeInfo(data.length, 0, data.length), whole.range().orElseThrow());
      // Known sizes from a listing fan out at once, without a probe.
      assertArrayEquals(data, s3.getRecursive(List.of("")).get(0).blob());
    }
  }

  @Test
  void rangeStreamSeeksReadsAndTakesTheTailInOneGet() throws Exception {
    byte[] data = random(PART * 3 + 500, 9);
    try (S3 s3 = client("stream")) {
      s3.put("table.parquet", data);
      S3Object info = s3.info("table.parquet");
      try (RangeStream in = new RangeStream(s3, info.url(), info.size(), info.etag().orElseThrow())) {
        long before = s3.stats().getRequests();
        // A Parquet reader's opening moves: the footer's length at the end, then the footer before it.
        in.seek(data.length - 8);
        assertArrayEquals(Arrays.copyOfRange(data, data.length - 8, data.length), in.readNBytes(8));
        in.seek(data.length - 40_000);
        assertArrayEquals(Arrays.copyOfRange(data, data.length - 40_000, data.length - 39_000), in.readNBytes(1000));
        assertEquals(1, s3.stats().getRequests() - before, "the last 64 KiB come in one GET");
        in.seek(0);
        assertArrayEquals(data, in.readAllBytes());
        assertEquals(-1, in.read());
        assertThrows(MetaflowS3InvalidRange.class, () -> in.seek(data.length + 1));
      }
    }
  }

  @Test
  void readRangeReadsPartsIntoMemoryPinnedToTheListedVersion() {
    byte[] data = random(PART * 3 + 700, 11);
    try (S3 s3 = client("memory")) {
      s3.putMany(List.of(S3PutObject.of("m.bin", data).withContentType("application/x-test")
          .withMetadata(Map.of("origin", "test"))));
      S3Object listed = s3.info("m.bin");
      ObjectRange middle = new ObjectRange(listed.url(), listed.size(), listed.etag().orElseThrow(), 100,
          100 + 2L * PART + 5, Map.of());
      long before = s3.stats().getRequests();
      ObjectBytes read = s3.readRange(middle);
      assertArrayEquals(Arrays.copyOfRange(data, 100, 100 + 2 * PART + 5), read.bytes());
      assertEquals(3, s3.stats().getRequests() - before, "one GET per 64 KiB part");
      assertEquals("application/x-test", read.info().contentType().orElseThrow());
      assertEquals("test", read.info().metadata().get("origin"));
      assertEquals(new RangeInfo(data.length, 100, 2L * PART + 5), read.info().range().orElseThrow());
      assertEquals(List.of(), LocalS3.tempFiles(s3), "nothing went through a temp file");

      s3.put("m.bin", random(data.length, 12));
      assertThrows(MetaflowS3Exception.class, () -> s3.readRange(middle), "a replaced object is not mixed in");
    }
  }

  @Test
  void rangesOfALargeObject() {
    byte[] data = random(PART * 5, 2);
    try (S3 s3 = client("ranges")) {
      s3.put("r.bin", data);
      List<S3Object> got = s3.getManyObjects(List.of(
          S3GetObject.of("r.bin", 10, PART * 3),
          S3GetObject.of("r.bin", ByteRange.from(PART * 4L + 5)),
          S3GetObject.of("r.bin", ByteRange.suffix(100)),
          S3GetObject.of("r.bin", data.length - 10, 1000)));
      assertArrayEquals(Arrays.copyOfRange(data, 10, 10 + PART * 3), got.get(0).blob());
      assertArrayEquals(Arrays.copyOfRange(data, PART * 4 + 5, data.length), got.get(1).blob());
      assertArrayEquals(Arrays.copyOfRange(data, data.length - 100, data.length), got.get(2).blob());
      assertEquals(new RangeInfo(data.length, data.length - 100, 100), got.get(2).range().orElseThrow());
      // A range running past the end gives the bytes that exist, as S3 does.
      assertArrayEquals(Arrays.copyOfRange(data, data.length - 10, data.length), got.get(3).blob());
    }
  }

  @Test
  void manyObjectsComeBackInRequestOrder() {
    try (S3 s3 = client("many")) {
      List<S3PutObject> puts = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        puts.add(S3PutObject.of("obj-" + i, random(1 + i * 37 % 5000, i)));
      }
      assertEquals(300, s3.putMany(puts).size());
      List<String> keys = new ArrayList<>();
      for (int i = 299; i >= 0; i--) {
        keys.add("obj-" + i);
      }
      List<S3Object> got = s3.getMany(keys);
      for (int j = 0; j < 300; j++) {
        int i = 299 - j;
        assertEquals("obj-" + i, got.get(j).key());
        assertArrayEquals(puts.get(i).value(), got.get(j).blob());
      }
    }
  }

  @Test
  void emptyObjects() {
    try (S3 s3 = client("empty")) {
      s3.put("nothing", new byte[0]);
      S3Object got = s3.get("nothing");
      assertEquals(0, got.size());
      assertEquals(0, got.blob().length);
      assertEquals(0, s3.getAll().get(0).blob().length);
    }
  }

  @Test
  void contentTypeAndMetadataRoundTrip() {
    try (S3 s3 = client("meta")) {
      Map<String, String> meta = new java.util.LinkedHashMap<>();
      meta.put("Owner", "ds-team");
      meta.put("purpose", "tëst");
      s3.put(S3PutObject.of("doc.json", "{}").withContentType("application/json").withMetadata(meta));
      for (S3Object o : List.of(s3.get("doc.json"), s3.info("doc.json"))) {
        assertEquals("application/json", o.contentType().orElseThrow());
        assertEquals(meta, o.metadata(), "names keep their case, values their characters");
        assertEquals(List.of("Owner", "purpose"), List.copyOf(o.metadata().keySet()));
        assertTrue(o.hasInfo());
        assertTrue(o.lastModified().isPresent());
      }
      S3Object info = s3.info("doc.json");
      assertFalse(info.downloaded());
      assertEquals(2, info.size());
      s3.put("t", "plain text");
      assertEquals(Map.of(), s3.info("t").metadata(), "no metadata: metaflow's None");
      assertEquals("binary/octet-stream", s3.info("t").contentType().orElseThrow(),
          "as metaflow, no content type is sent: the server's default (S3's binary/octet-stream) applies");
    }
  }

  @Test
  void serverSideEncryptionIsSentPerObjectAndByDefault(S3Client raw) {
    S3Settings encrypting = LocalS3.settings(server).serverSideEncryption(ServerSideEncryption.of("AES256")).build();
    try (S3 s3 = S3.builder().settings(encrypting).s3root(LocalS3.root(server, "sse/")).environment(Map.of())
        .build()) {
      s3.put("default", "x");
      s3.put(S3PutObject.of("kms", "y").withEncryption(ServerSideEncryption.kms("alias/metaflow")));
      assertEquals("AES256", s3.info("default").encryption().orElse("none"));
      assertEquals("aws:kms", s3.get("kms").encryption().orElse("none"));
    }
    assertThrows(IllegalArgumentException.class, () -> ServerSideEncryption.of("rot13"));
  }

  @Test
  void metadataIsReadAndWrittenInMetaflowsFormat(S3Client raw) {
    try (S3 s3 = client("metaflow-format")) {
      // Written as metaflow's Python client writes it: one JSON header.
      String url = s3.root().orElseThrow() + "from-python";
      S3Url at = S3Url.parse(url);
      raw.putObject(r -> r.bucket(at.bucket()).key(at.key())
              .metadata(Map.of("metaflow-user-attributes", "{\"Model\": \"gbm\", \"depth\": 6}")),
          software.amazon.awssdk.core.sync.RequestBody.fromString("x"));
      assertEquals(Map.of("Model", "gbm", "depth", "6"), s3.info("from-python").metadata());
      // Written here: the same single header, which metaflow's json.loads reads back.
      s3.put(S3PutObject.of("from-java", "y").withMetadata(Map.of("Team", "ds", "note", "ü")));
      S3Url ours = S3Url.parse(s3.root().orElseThrow() + "from-java");
      Map<String, String> headers = raw.headObject(r -> r.bucket(ours.bucket()).key(ours.key())).metadata();
      assertEquals(java.util.Set.of("metaflow-user-attributes"), headers.keySet());
      String json = headers.get("metaflow-user-attributes");
      assertTrue(json.contains("\"Team\":\"ds\"") && json.contains("\\u00FC"), json);
    }
  }

  @Test
  void largeFilesUploadInParallelPartsAndStream(@TempDir Path dir, S3Client raw) throws Exception {
    byte[] data = random(13 * 1024 * 1024 + 17, 3);
    Path file = Files.write(dir.resolve("big.bin"), data);
    S3Settings settings = LocalS3.settings(server).multipartThreshold(5 * 1024 * 1024).partSize(5 * 1024 * 1024)
        .build();
    try (S3 s3 = S3.builder().settings(settings).s3root(LocalS3.root(server, "transfer/mpu/")).build()) {
      s3.putFiles(Map.of("big.bin", file));
      assertArrayEquals(data, s3.get("big.bin").blob());
      // Three 5 MiB parts: S3 marks a multipart object's ETag with its part count.
      assertTrue(raw.headObject(b -> b.bucket(server.bucket()).key("transfer/mpu/big.bin")).eTag().endsWith("-3\""));
      assertEquals(List.of(), s3.putFiles(Map.of("big.bin", file), PutOption.NO_OVERWRITE));
      assertTrue(raw.listMultipartUploads(b -> b.bucket(server.bucket())).uploads().isEmpty());
    }
  }

  @Test
  void closeDeletesEveryTempFile() {
    Path temp;
    try (S3 s3 = client("temp")) {
      s3.put("a", "1");
      S3Object a = s3.get("a");
      temp = s3.tempDir();
      assertTrue(a.path().orElseThrow().startsWith(temp));
      assertTrue(Files.exists(a.path().orElseThrow()));
    }
    assertFalse(Files.exists(temp));
  }
}
