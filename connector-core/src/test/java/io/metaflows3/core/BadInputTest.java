package io.metaflows3.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.metaflows3.core.api.ByteRange;
import io.metaflows3.core.metaflow.MetaflowS3AccessDenied;
import io.metaflows3.core.metaflow.MetaflowS3Exception;
import io.metaflows3.core.metaflow.MetaflowS3InvalidRange;
import io.metaflows3.core.metaflow.MetaflowS3NotFound;
import io.metaflows3.core.metaflow.MetaflowS3URLException;
import io.metaflows3.core.api.S3GetObject;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.core.metaflow.FlowRun;
import io.metaflows3.core.transfer.TempDir;
import io.metaflows3.local.LocalS3Extension;
import io.metaflows3.local.LocalS3Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Bad input gets a typed exception that names the URL, and never a credential. */
@ExtendWith(LocalS3Extension.class)
class BadInputTest {
  private final LocalS3Server server;

  BadInputTest(LocalS3Server server) {
    this.server = server;
  }

  private S3 rooted() {
    return S3.builder().settings(LocalS3.settings(server).build()).s3root(LocalS3.root(server, "bad/")).build();
  }

  private S3 unrooted() {
    return S3.builder().settings(LocalS3.settings(server).build()).environment(Map.of()).build();
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://bucket/key", "s3:/bucket/key", "s3://", "s3://Bad_Bucket/key", "s3://ab/key",
      "bucket/key", "s3://bucket", "s3://bucket/", "s3://bucket/a/../b", "s3://bucket/./a", "s3://bucket/a\nb"})
  void malformedUrls(String url) {
    try (S3 s3 = unrooted()) {
      MetaflowS3URLException e = assertThrows(MetaflowS3URLException.class, () -> s3.get(url));
      assertTrue(e.getMessage().length() > 10);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "/", "..", "../escape", "a/../../b", "a/./b", "tab\tkey"})
  void badRelativeKeys(String key) {
    try (S3 s3 = rooted()) {
      assertThrows(MetaflowS3URLException.class, () -> s3.get(key));
      assertThrows(MetaflowS3URLException.class, () -> s3.put(key, "x"));
    }
  }

  @Test
  void aLocationAnEngineIsGivenSaysWhatIsWrongWithIt() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> S3.builder().locate("/tmp/table")).getMessage()
        .contains("'/tmp/table' is not an s3:// URL"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> S3.builder().locate("file:/tmp/table"))
        .getMessage().contains("is not an s3:// URL"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> S3.builder().locate("sales/")).getMessage()
        .contains("'sales/' is relative: set a run and an s3root"));
  }

  /** A write to a bucket that is not there names the location written, not the folders looked into for tables. */
  @Test
  void aWriteToAMissingBucketNamesTheLocationGiven() {
    S3Settings settings = LocalS3.settings(server).build();
    MetaflowS3NotFound e = assertThrows(MetaflowS3NotFound.class, () -> io.metaflows3.core.table.TableWrite.begin(
        settings, "s3://no-such-bucket/sales/", io.metaflows3.core.table.TableWrite.Mode.APPEND));
    assertEquals("s3://no-such-bucket/sales/", e.url(), e.getMessage());
    assertFalse(e.getMessage().contains("/_"), e.getMessage());
  }

  @Test
  void absoluteUrlUnderARootAndRelativeKeyWithoutOne() {
    try (S3 s3 = rooted()) {
      assertThrows(MetaflowS3URLException.class, () -> s3.get("s3://" + server.bucket() + "/x"));
    }
    try (S3 s3 = unrooted()) {
      assertThrows(MetaflowS3URLException.class, () -> s3.get("relative/key"));
      assertThrows(MetaflowS3URLException.class, s3::listPaths);
    }
  }

  @Test
  void badRanges() {
    assertThrows(MetaflowS3InvalidRange.class, () -> S3GetObject.of("k", -1, 10));
    assertThrows(MetaflowS3InvalidRange.class, () -> S3GetObject.of("k", 0, 0));
    assertThrows(MetaflowS3InvalidRange.class, () -> S3GetObject.of("k", 0, -5));
    assertThrows(MetaflowS3InvalidRange.class, () -> S3GetObject.of("k", Long.MAX_VALUE, 2));
    assertThrows(MetaflowS3InvalidRange.class, () -> ByteRange.suffix(0));
    try (S3 s3 = rooted()) {
      s3.put("small", "0123456789");
      MetaflowS3InvalidRange e = assertThrows(MetaflowS3InvalidRange.class,
          () -> s3.get(S3GetObject.of("small", 10, 5)));
      assertTrue(e.getMessage().contains("/bad/small"), e.getMessage());
      assertEquals(List.of(), LocalS3.tempFiles(s3), "no partial file is left behind");
    }
  }

  @Test
  void missingKeysAndBuckets() {
    try (S3 s3 = rooted()) {
      MetaflowS3NotFound e = assertThrows(MetaflowS3NotFound.class, () -> s3.get("no/such/key"));
      assertEquals(LocalS3.root(server, "bad/no/such/key"), e.url());
      assertThrows(MetaflowS3NotFound.class, () -> s3.info("no/such/key"));
      assertThrows(MetaflowS3NotFound.class, () -> s3.getMany(List.of("no/such/key")));
      assertEquals(List.of(), LocalS3.tempFiles(s3));
    }
    try (S3 s3 = unrooted()) {
      assertThrows(MetaflowS3NotFound.class, () -> s3.get("s3://no-such-bucket/key"));
      assertThrows(MetaflowS3NotFound.class, () -> s3.put("s3://no-such-bucket/key", "x"));
      assertThrows(MetaflowS3NotFound.class, () -> s3.listRecursive(List.of("s3://no-such-bucket/")));
    }
  }

  @Test
  void deniedAccessNamesTheUrlButNeverTheSecret() {
    String secret = "wrong-secret-" + System.nanoTime();
    S3Settings settings = LocalS3.settings(server).credentials(LocalS3Server.ACCESS_KEY_ID, secret, "token-xyz")
        .build();
    assertFalse(settings.toString().contains(secret));
    try (S3 s3 = S3.builder().settings(settings).s3root(LocalS3.root(server, "bad/")).build()) {
      MetaflowS3AccessDenied e = assertThrows(MetaflowS3AccessDenied.class, () -> s3.get("anything"));
      assertTrue(e.getMessage().contains("/bad/anything"));
      for (Throwable t = e; t != null; t = t.getCause()) {
        assertFalse(String.valueOf(t.getMessage()).contains(secret), t.toString());
        assertFalse(String.valueOf(t.getMessage()).contains("token-xyz"), t.toString());
      }
      assertThrows(MetaflowS3AccessDenied.class, () -> s3.put("anything", "x"));
      assertFalse(s3.toString().contains(secret));
    }
  }

  @Test
  void missingOrUnreadableLocalFiles(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    try (S3 s3 = S3.builder().settings(LocalS3.settings(server).build()).s3root(LocalS3.root(server, "bad/"))
        .run(FlowRun.of("F", "1")).build()) {
      Path missing = dir.resolve("nope.txt");
      assertThrows(MetaflowS3Exception.class, () -> s3.putFiles(Map.of("k", missing)));
      assertThrows(MetaflowS3Exception.class, () -> s3.includeFile(missing));
      assertThrows(MetaflowS3Exception.class, () -> s3.includeFile(Files.createDirectory(dir.resolve("d"))));
    }
  }

  @Test
  void closedClientRefusesWork() {
    S3 s3 = rooted();
    s3.close();
    assertInstanceOf(MetaflowS3Exception.class, assertThrows(RuntimeException.class, () -> s3.get("x")));
  }
}
