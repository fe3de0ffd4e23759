package io.metaflows3.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.metaflows3.core.api.ByteRange;
import io.metaflows3.core.api.GetOption;
import io.metaflows3.core.metaflow.MetaflowS3Exception;
import io.metaflows3.core.api.S3GetObject;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.core.api.S3Url;
import io.metaflows3.local.LocalS3Extension;
import io.metaflows3.local.LocalS3Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Generated bad input (URLs, keys, ranges, option values): only typed exceptions, never a file outside the
 * client's temp folder, never a hang.
 */
@ExtendWith(LocalS3Extension.class)
class InputFuzzTest {
  private static final String[] PIECES = {"a", "b/", "/", "//", "..", ".", "../", "./", "\u0000", "\n", "\t",
      "\u007f", "é", "日本", "\uD83D\uDE00", " ", "%2e%2e", "\\", "s3://", "bucket", "key=v", "?", "#", "*", "~"};
  private final LocalS3Server server;

  InputFuzzTest(LocalS3Server server) {
    this.server = server;
  }

  private static String randomKey(Random r) {
    StringBuilder b = new StringBuilder();
    int n = r.nextInt(12);
    for (int i = 0; i < n; i++) {
      b.append(PIECES[r.nextInt(PIECES.length)]);
    }
    if (r.nextInt(50) == 0) {
      b.append("x".repeat(1000 + r.nextInt(200)));
    }
    return b.toString();
  }

  @Test
  void tenThousandGeneratedUrlsKeysRangesAndOptions() {
    Random r = new Random(12345);
    int typed = 0;
    int accepted = 0;
    for (int i = 0; i < 10_000; i++) {
      try {
        switch (i % 4) {
          case 0 -> S3Url.parse((r.nextBoolean() ? "s3://" : "") + randomKey(r));
          case 1 -> S3Url.parse("s3://" + server.bucket() + "/").resolve(randomKey(r));
          case 2 -> {
            long offset = r.nextInt(3) == 0 ? r.nextLong() : r.nextInt(100) - 10;
            long length = r.nextInt(3) == 0 ? r.nextLong() : r.nextInt(100) - 10;
            switch (r.nextInt(3)) {
              case 0 -> ByteRange.of(offset, length);
              case 1 -> ByteRange.suffix(length);
              default -> ByteRange.from(offset);
            }
          }
          default -> S3Settings.fromOptions(Map.of(new String[] {"partSize", "maxInFlight", "maxAttempts",
              "endpoint", "multipartThreshold"}[r.nextInt(5)], randomKey(r) + r.nextLong()), S3Settings.defaults());
        }
        accepted++;
      } catch (MetaflowS3Exception | IllegalArgumentException e) {
        typed++;
        assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
      } catch (RuntimeException e) {
        fail("untyped " + e + " for case " + i, e);
      }
    }
    assertEquals(10_000, typed + accepted);
    assertTrue(typed > 3000 && accepted > 1000, typed + " refused, " + accepted + " accepted");
  }

  @Test
  void generatedKeysAgainstTheServerNeverEscapeTheTempFolder() throws Exception {
    Random r = new Random(777);
    Path parent = Files.createTempDirectory("fuzz-parent");
    S3Settings settings = LocalS3.settings(server).tmpRoot(parent.toString()).build();
    assertTimeoutPreemptively(Duration.ofMinutes(2), () -> {
      try (S3 s3 = S3.builder().settings(settings).s3root(LocalS3.root(server, "fuzz/")).build()) {
        List<String> stored = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
          String key = randomKey(r);
          try {
            if (i % 3 == 0) {
              s3.put(key, "v" + i);
              stored.add(key);
            } else if (i % 3 == 1) {
              s3.get(key, GetOption.RETURN_MISSING);
            } else {
              s3.getManyObjects(List.of(S3GetObject.of(key, ByteRange.of(r.nextInt(10), 1 + r.nextInt(10)))),
                  GetOption.RETURN_MISSING);
            }
          } catch (MetaflowS3Exception e) {
            assertTrue(e.getMessage() != null);
          }
        }
        assertTrue(stored.size() > 20, "some generated keys are valid and stored: " + stored.size());
        assertEquals(stored.size(), s3.getMany(stored).size());
        try (Stream<Path> inParent = Files.list(parent)) {
          assertEquals(List.of(s3.tempDir()), inParent.toList(), "only the client's own folder");
        }
      }
    });
    try (Stream<Path> left = Files.list(parent)) {
      assertEquals(0, left.count(), "close() removed everything");
    }
  }
}
