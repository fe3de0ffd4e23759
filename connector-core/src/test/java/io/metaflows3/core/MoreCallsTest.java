package io.metaflows3.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.metaflows3.core.api.GetOption;
import io.metaflows3.core.metaflow.MetaflowS3Exception;
import io.metaflows3.core.metaflow.MetaflowS3InsufficientDiskSpace;
import io.metaflows3.core.metaflow.MetaflowS3NotFound;
import io.metaflows3.core.api.S3GetObject;
import io.metaflows3.core.api.S3Object;
import io.metaflows3.core.api.S3PutObject;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.core.api.StoredObject;
import io.metaflows3.local.LocalS3Extension;
import io.metaflows3.local.LocalS3Server;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Calls of metaflow.S3 beyond its documented examples, and the few this port adds. */
@ExtendWith(LocalS3Extension.class)
class MoreCallsTest {
  private final LocalS3Server server;

  MoreCallsTest(LocalS3Server server) {
    this.server = server;
  }

  private S3 client(String root) {
    return S3.builder().settings(LocalS3.settings(server).partSize(5 * S3Settings.MIB)
        .multipartThreshold(5 * S3Settings.MIB).build()).s3root(LocalS3.root(server, root)).environment(Map.of())
        .build();
  }

  @Test
  void getAndInfoOfTheRootItself() {
    try (S3 writer = client("calls/")) {
      writer.put("fruit", "pineapple");
    }
    try (S3 s3 = client("calls/fruit")) {
      S3Object fruit = s3.get();
      assertEquals("pineapple", fruit.text());
      assertEquals(LocalS3.root(server, "calls/fruit"), fruit.key(), "metaflow: the key of the root is its URL");
      assertEquals(null, fruit.prefix());
      assertEquals(9, s3.info().size());
    }
    try (S3 s3 = client("calls/nothing-here")) {
      assertFalse(s3.get(GetOption.RETURN_MISSING).exists());
      assertThrows(MetaflowS3NotFound.class, s3::info);
    }
  }

  @Test
  void putFromAStreamOfUnknownLength() {
    byte[] data = new byte[7 * 1024 * 1024 + 11];
    new Random(4).nextBytes(data);
    try (S3 s3 = client("calls/")) {
      InputStream unknownLength = new ByteArrayInputStream(data) {
        @Override
        public int available() {
          return 0;
        }
      };
      String url = s3.put("streamed.bin", unknownLength);
      assertEquals(LocalS3.root(server, "calls/streamed.bin"), url);
      assertEquals(List.of(), LocalS3.tempFiles(s3), "the spooled copy is gone once stored");
      assertArrayEquals(data, s3.get("streamed.bin").blob(), "past the multipart threshold: uploaded in parts");
    }
  }

  @Test
  void putFilesWithContentTypesAndMetadataAndMissingFiles(@TempDir Path dir) throws Exception {
    Path csv = Files.writeString(dir.resolve("a.csv"), "x,y\n1,2\n");
    try (S3 s3 = client("calls/files/")) {
      List<StoredObject> stored = s3.putFiles(List.of(S3PutObject.ofFile("a.csv", csv).withContentType("text/csv")
          .withMetadata(Map.of("Source", "export"))));
      assertEquals(List.of("a.csv"), stored.stream().map(StoredObject::key).toList());
      S3Object a = s3.info("a.csv");
      assertEquals("text/csv", a.contentType().orElseThrow());
      assertEquals(Map.of("Source", "export"), a.metadata());
      assertThrows(MetaflowS3NotFound.class, () -> s3.putFiles(Map.of("b", dir.resolve("missing.csv"))));
      assertThrows(MetaflowS3NotFound.class, () -> s3.putFiles(List.of(S3PutObject.ofFile("c", dir))));
      assertFalse(s3.info("b", GetOption.RETURN_MISSING).exists(), "nothing uploaded when a file is missing");
    }
  }

  @Test
  void deleteManyGoesAThousandKeysARequest() {
    try (S3 s3 = client("calls/deletes/")) {
      List<S3PutObject> puts = new ArrayList<>();
      List<String> keys = new ArrayList<>();
      for (int i = 0; i < 2_500; i++) {
        puts.add(S3PutObject.of("k" + i, "v"));
        keys.add("k" + i);
      }
      s3.putMany(puts);
      keys.add("never-existed");
      long before = s3.stats().requests();
      s3.deleteMany(keys);
      assertEquals(3, s3.stats().requests() - before, "2,501 keys in 3 DeleteObjects requests");
      assertEquals(List.of(), s3.listRecursive());
    }
  }

  @Test
  void objectsAreHandedOverInOrderThroughABoundedTempFolder() {
    S3Settings four = LocalS3.settings(server).maxInFlight(4).build();
    try (S3 s3 = S3.builder().settings(four).s3root(LocalS3.root(server, "calls/stream/")).environment(Map.of())
        .build()) {
      List<S3PutObject> puts = new ArrayList<>();
      List<S3GetObject> gets = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        puts.add(S3PutObject.of(String.format("o%03d", i), "v" + i));
        gets.add(S3GetObject.of(String.format("o%03d", 299 - i)));
      }
      s3.putMany(puts);
      List<String> seen = new ArrayList<>();
      int[] mostFiles = {0};
      s3.forEachObject(gets, o -> {
        seen.add(o.text());
        mostFiles[0] = Math.max(mostFiles[0], LocalS3.tempFiles(s3).size());
      });
      assertEquals(300, seen.size());
      assertEquals("v299", seen.get(0), "request order");
      assertEquals("v0", seen.get(299));
      assertTrue(mostFiles[0] <= 2 * 4 + 1, "at most the window and the current object on disk: " + mostFiles[0]);
      assertEquals(List.of(), LocalS3.tempFiles(s3), "every file deleted once handled");

      List<String> recursive = new ArrayList<>();
      s3.forEachRecursive(List.of(""), o -> recursive.add(o.key()));
      assertEquals(300, recursive.size());
      assertEquals("o000", recursive.get(0));

      RuntimeException stop = new IllegalStateException("stop");
      assertEquals(stop, assertThrows(IllegalStateException.class, () -> s3.forEachObject(gets, o -> {
        throw stop;
      })));
      assertEquals(List.of(), LocalS3.tempFiles(s3), "a stop leaves no file behind");
      assertThrows(MetaflowS3NotFound.class, () -> s3.forEachObject(List.of(S3GetObject.of("missing")), o -> { }));
    }
  }

  @Test
  void aRefusedConnectionIsATypedErrorWithinTwoSeconds() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    S3Settings nowhere = S3Settings.builder().endpoint("http://127.0.0.1:" + closedPort).credentials("a", "b", null)
        .build();
    for (int run = 0; run < 10; run++) {
      assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
        try (S3 s3 = S3.builder().settings(nowhere).environment(Map.of()).build()) {
          MetaflowS3Exception e = assertThrows(MetaflowS3Exception.class, () -> s3.get("s3://bucket/key"));
          assertEquals("s3://bucket/key", e.url());
          assertTrue(e.getMessage().contains("connection refused"), e.getMessage());
        }
      }, "a refused connection is reported at once, never waited on");
    }
  }

  /**
   * A listing bigger than the temp folder's free space fails before the first GET. The object is a sparse file
   * in a folder-backed server (its size is real to the server and its listing; it takes no disk).
   */
  @Test
  void aDownloadThatCannotFitFailsBeforeItStarts(@TempDir Path serverFolder) throws Exception {
    try (LocalS3Server folderServer = LocalS3Server.start(serverFolder, 0)) {
      try (S3 s3 = S3.builder().settings(LocalS3.settings(folderServer).build())
          .s3root(LocalS3.root(folderServer, "huge/")).environment(Map.of()).build()) {
        s3.put("small", "fits");
        long free = Files.getFileStore(s3.tempDir()).getUsableSpace();
        Path sparse = serverFolder.resolve(folderServer.bucket()).resolve("huge").resolve("big.bin");
        try (var file = new java.io.RandomAccessFile(sparse.toFile(), "rw")) {
          file.setLength(free + (1L << 30));
        }
        assertEquals(free + (1L << 30), s3.info("big.bin").size(), "the server sees the sparse object's size");
        long getsBefore = s3.stats().getRequests();
        MetaflowS3InsufficientDiskSpace e = assertThrows(MetaflowS3InsufficientDiskSpace.class, s3::getAll);
        assertTrue(e.getMessage().contains("bytes free"), e.getMessage());
        assertEquals(getsBefore, s3.stats().getRequests(), "not one byte downloaded");
        assertTrue(LocalS3.tempFiles(s3).isEmpty());
      }
    }
  }
}
