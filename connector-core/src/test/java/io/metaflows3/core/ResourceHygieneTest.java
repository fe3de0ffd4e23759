package io.metaflows3.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.metaflows3.core.metaflow.MetaflowS3NotFound;
import io.metaflows3.core.api.S3PutObject;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.local.LocalS3Extension;
import io.metaflows3.local.LocalS3Server;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Clients clean up after themselves, and secrets stay out of every message and log line. */
@ExtendWith(LocalS3Extension.class)
class ResourceHygieneTest {
  private final LocalS3Server server;

  ResourceHygieneTest(LocalS3Server server) {
    this.server = server;
  }

  @Test
  void manyClientsOpenedAndClosedLeakNoThreadsConnectionsOrFiles() throws Exception {
    try (S3 warm = S3.builder().settings(LocalS3.settings(server).build()).s3root(LocalS3.root(server, "hyg/"))
        .build()) {
      warm.put("x", "data");
      warm.get("x");
    }
    Thread.sleep(200);
    int threads = Thread.activeCount();
    long fds = openFileDescriptors();
    long connections = connectionsTo(server.port());
    for (int i = 0; i < 40; i++) {
      try (S3 s3 = S3.builder().settings(LocalS3.settings(server).build()).s3root(LocalS3.root(server, "hyg/"))
          .build()) {
        s3.getMany(List.of("x", "x", "x"));
        assertThrows(MetaflowS3NotFound.class, () -> s3.get("missing"));
      }
    }
    Thread.sleep(500);
    assertTrue(Thread.activeCount() <= threads + 2, "threads " + threads + " -> " + Thread.activeCount());
    assertTrue(openFileDescriptors() <= fds + 5, "file descriptors " + fds + " -> " + openFileDescriptors());
    assertTrue(connectionsTo(server.port()) <= connections + 2,
        "connections " + connections + " -> " + connectionsTo(server.port()));
  }

  @Test
  void aGetManyOfManyKeysHoldsFewFilesOpenAtOnce() throws Exception {
    int inFlight = 4;
    try (S3 s3 = S3.builder().settings(LocalS3.settings(server).maxInFlight(inFlight).build())
        .s3root(LocalS3.root(server, "hyg-many/")).build()) {
      List<S3PutObject> puts = new ArrayList<>();
      List<String> keys = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        keys.add("k" + i);
        puts.add(S3PutObject.of("k" + i, "v" + i));
      }
      s3.putMany(puts);
      long before = openFileDescriptors();
      AtomicLong peak = new AtomicLong(before);
      AtomicBoolean done = new AtomicBoolean();
      Thread sampler = new Thread(() -> {
        while (!done.get()) {
          try {
            peak.accumulateAndGet(openFileDescriptors(), Math::max);
          } catch (IOException e) {
            return;
          }
        }
      });
      sampler.start();
      try {
        assertEquals(300, s3.getMany(keys).size());
      } finally {
        done.set(true);
        sampler.join();
      }
      // Files of downloads under way (twice the requests in flight) plus the connections, not one per key.
      assertTrue(peak.get() - before <= 3 * inFlight + 8, "file descriptors " + before + " -> peak " + peak.get());
    }
  }

  @Test
  void closeRemovesTempFilesAlsoAfterExceptions() {
    Path temp;
    S3 s3 = S3.builder().settings(LocalS3.settings(server).build()).s3root(LocalS3.root(server, "hyg2/")).build();
    try (s3) {
      s3.put("y", "data");
      s3.get("y");
      temp = s3.tempDir();
      throw new IllegalStateException("the caller's code fails");
    } catch (IllegalStateException expected) {
      // fall through to the check
    }
    assertFalse(Files.exists(s3.tempDir()));
  }

  @Test
  void secretsNeverAppearInMessagesLogsOrToString() {
    String secret = "SECRET-" + System.nanoTime();
    String token = "TOKEN-" + System.nanoTime();
    PrintStream err = System.err;
    PrintStream out = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8);
    System.setErr(capture);
    System.setOut(capture);
    StringBuilder seen = new StringBuilder();
    try {
      S3Settings settings = LocalS3.settings(server).credentials(LocalS3Server.ACCESS_KEY_ID, secret, token)
          .maxAttempts(2).build();
      seen.append(settings).append('\n');
      try (S3 s3 = S3.builder().settings(settings).s3root(LocalS3.root(server, "hyg3/")).build()) {
        seen.append(s3).append('\n');
        for (Runnable call : List.<Runnable>of(() -> s3.get("k"), () -> s3.put("k", "v"),
            () -> s3.listRecursive(), () -> s3.info("k"))) {
          try {
            call.run();
          } catch (RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
              seen.append(t).append('\n');
              for (StackTraceElement s : t.getStackTrace()) {
                seen.append(s).append('\n');
              }
            }
          }
        }
      }
    } finally {
      System.setErr(err);
      System.setOut(out);
    }
    String all = seen + captured.toString(StandardCharsets.UTF_8);
    assertTrue(all.contains("AccessDenied") || all.contains("403"), all);
    assertFalse(all.contains(secret), "the secret key leaked");
    assertFalse(all.contains(token), "the session token leaked");
  }

  private static long openFileDescriptors() throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    }
  }

  /** Established TCP connections to {@code port} on loopback, from /proc/net/tcp (IPv4 and IPv6). */
  private static long connectionsTo(int port) throws IOException {
    String hexPort = String.format(":%04X", port);
    long n = 0;
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      Path p = Path.of(table);
      if (Files.exists(p)) {
        n += Files.readAllLines(p).stream().skip(1).map(l -> l.trim().split("\\s+"))
            .filter(f -> f[2].endsWith(hexPort) && f[3].equals("01")).count();
      }
    }
    return n;
  }
}
