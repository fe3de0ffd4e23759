package io.metaflows3.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.adobe.testing.s3mock.junit5.S3MockExtension;
import io.metaflows3.core.api.ByteRange;
import io.metaflows3.core.api.GetOption;
import io.metaflows3.core.api.PutOption;
import io.metaflows3.core.api.S3GetObject;
import io.metaflows3.core.api.S3Object;
import io.metaflows3.core.api.S3PutObject;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.core.table.PartitionFilter;
import io.metaflows3.core.table.ReadPlanner;
import io.metaflows3.core.table.TableWrite;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The core's behaviour on S3 implementations other than the embedded S3Proxy: Adobe's S3Mock (from Maven
 * Central, in this JVM) always, and moto's server where {@code moto_server} is installed (started here on
 * 127.0.0.1). Each case runs on each server: gets and puts small and large (multipart, and single puts past
 * moto's {@code Expect: 100-continue} trouble), ranges, metaflow's metadata, overwrite=false, listings with
 * folder markers, deletes, and a table written and read through the commit log by racing writers.
 */
class SecondServerTest {
  private static final String BUCKET = "compat";

  @RegisterExtension
  static final S3MockExtension S3MOCK = S3MockExtension.builder().silent().withSecureConnection(false)
      .withInitialBuckets(BUCKET).build();

  private static Process moto;
  private static String motoEndpoint;

  @BeforeAll
  static void startMotoWherePresent() throws Exception {
    Path motoServer = Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
        .map(dir -> Path.of(dir, "moto_server")).filter(Files::isExecutable).findFirst().orElse(null);
    if (motoServer == null) {
      return;
    }
    int port;
    try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    moto = new ProcessBuilder(motoServer.toString(), "-H", "127.0.0.1", "-p", Integer.toString(port))
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    motoEndpoint = "http://127.0.0.1:" + port;
    for (int i = 0; i < 300; i++) {
      try (S3Client raw = raw(motoEndpoint)) {
        raw.createBucket(r -> r.bucket(BUCKET));
        return;
      } catch (RuntimeException notYet) {
        Thread.sleep(100);
      }
    }
    throw new IllegalStateException("moto_server did not start on " + motoEndpoint);
  }

  @AfterAll
  static void stopMoto() throws InterruptedException {
    if (moto != null) {
      moto.destroy();
      moto.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /**
   * A server under test. {@code atomicConditionalPut}: whether of concurrent {@code If-None-Match: *} PUTs of one
   * key exactly one succeeds, as on AWS S3, S3Proxy and moto. S3Mock 5.2 lets several succeed (seen here: up to
   * 20 of 20), so racing commits cannot be safe on it; its table case commits one writer after another.
   */
  record Server(String name, String endpoint, boolean atomicConditionalPut) {
    @Override
    public String toString() {
      return name;
    }
  }

  /** The servers: S3Mock always, moto where installed. */
  static Stream<Server> servers() {
    List<Server> servers = new ArrayList<>(List.of(new Server("S3Mock", "http://127.0.0.1:" + S3MOCK.getHttpPort(),
        false)));
    if (motoEndpoint != null) {
      servers.add(new Server("moto", motoEndpoint, true));
    }
    return servers.stream();
  }

  private static S3Client raw(String endpoint) {
    return S3Client.builder().endpointOverride(URI.create(endpoint)).forcePathStyle(true).region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"))).build();
  }

  private static S3Settings settings(String endpoint) {
    return S3Settings.builder().endpoint(endpoint).credentials("test", "test", null)
        .partSize(5 * S3Settings.MIB).multipartThreshold(6 * S3Settings.MIB).build();
  }

  private static S3 client(String endpoint, String root) {
    return S3.builder().settings(settings(endpoint)).s3root("s3://" + BUCKET + "/" + root).environment(Map.of())
        .build();
  }

  private static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  @ParameterizedTest
  @MethodSource("servers")
  void smallAndLargeObjectsRangesAndMetadata(Server server, @TempDir Path dir) throws IOException {
    String endpoint = server.name();
    try (S3 s3 = client(server.endpoint(), "objects/")) {
      s3.put(S3PutObject.of("doc.json", "{}").withContentType("application/json")
          .withMetadata(Map.of("Owner", "ds")));
      S3Object doc = s3.get("doc.json");
      assertEquals("{}", doc.text());
      assertEquals("application/json", doc.contentType().orElseThrow());
      assertEquals(Map.of("Owner", "ds"), doc.metadata(), "metaflow's metadata header on " + endpoint);
      byte[] twoMib = random(2 * 1024 * 1024 + 3, 1);
      s3.put("two-mib", twoMib);
      assertArrayEquals(twoMib, s3.get("two-mib").blob(), "a single put past 1 MiB on " + endpoint);
      byte[] big = random(13 * 1024 * 1024 + 5, 2);
      Path file = Files.write(dir.resolve("big.bin"), big);
      s3.putFiles(Map.of("big.bin", file));
      assertArrayEquals(big, s3.get("big.bin").blob(), "multipart up, parallel ranges down, on " + endpoint);
      S3Object range = s3.get(S3GetObject.of("big.bin", 1000, 5000));
      assertArrayEquals(java.util.Arrays.copyOfRange(big, 1000, 6000), range.blob());
      S3Object tail = s3.get(S3GetObject.of("big.bin", ByteRange.suffix(10)));
      assertArrayEquals(java.util.Arrays.copyOfRange(big, big.length - 10, big.length), tail.blob());
      List<String> keys = new ArrayList<>();
      List<S3PutObject> many = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        keys.add("many/" + (39 - i));
        many.add(S3PutObject.of("many/" + i, "v" + i));
      }
      s3.putMany(many);
      assertEquals(keys.stream().map(k -> "v" + k.substring(5)).toList(),
          s3.getMany(keys).stream().map(S3Object::text).toList(), "request order on " + endpoint);
      assertFalse(s3.get("missing", GetOption.RETURN_MISSING).exists());
    }
  }

  @ParameterizedTest
  @MethodSource("servers")
  void overwriteFalseListingsMarkersAndDeletes(Server server) {
    String endpoint = server.name();
    try (S3 s3 = client(server.endpoint(), "tree/")) {
      s3.putMany(List.of(S3PutObject.of("first/a/object1", "data"), S3PutObject.of("first/b/x/object2", "data"),
          S3PutObject.of("second/c/object3", "data"), S3PutObject.of("second/", "")));
      assertEquals(List.of("first", "second"), s3.listPaths().stream().map(S3Object::key).toList());
      assertEquals(List.of("object1 object", "x prefix"), s3.listPaths(List.of("first/a", "first/b")).stream()
          .map(o -> o.key() + (o.exists() ? " object" : " prefix")).toList());
      assertEquals(List.of("c/object3"), s3.getRecursive(List.of("second")).stream().map(S3Object::key).toList(),
          "the folder marker is not data, on " + endpoint);
      s3.put("once", "first");
      assertTrue(s3.putMany(List.of(S3PutObject.of("once", "second")), PutOption.NO_OVERWRITE).isEmpty());
      assertEquals("first", s3.get("once").text(), "overwrite=false kept the object on " + endpoint);
      s3.deleteMany(List.of("once", "first/a/object1"));
      assertFalse(s3.info("once", GetOption.RETURN_MISSING).exists());
      assertEquals(List.of("first/b/x/object2", "second/c/object3"),
          s3.listRecursive().stream().map(S3Object::key).filter(k -> !k.equals("second")).toList());
    }
  }

  /**
   * metaflow lists every key of a prefix (s3op.py's list_prefix keeps each Contents entry); only zero-byte
   * folder markers are folders here, so a key ending in '/' that holds data is an object of every call. (The
   * embedded S3Proxy cannot hold one: it keeps such a key as an empty directory.)
   */
  @ParameterizedTest
  @MethodSource("servers")
  void anObjectWhoseKeyEndsInASlashAndHoldsDataIsAnObject(Server server) {
    try (S3Client raw = raw(server.endpoint())) {
      raw.putObject(r -> r.bucket(BUCKET).key("slash/d/"), RequestBody.fromString("nineteen bytes here"));
      raw.putObject(r -> r.bucket(BUCKET).key("slash/d/x"), RequestBody.fromString("x"));
      raw.putObject(r -> r.bucket(BUCKET).key("slash/empty/"), RequestBody.empty());
    }
    String d = "s3://" + BUCKET + "/slash/d/";
    try (S3 s3 = client(server.endpoint(), "slash/")) {
      assertEquals(List.of(d + " 19", d + "x 1"), s3.getRecursive(List.of("d")).stream()
          .map(o -> o.url() + " " + o.size()).toList(), "get_recursive downloads it, on " + server);
      assertEquals("nineteen bytes here", s3.getRecursive(List.of("d")).get(0).text());
      assertEquals(List.of(d + " 19", d + "x 1"), s3.listRecursive(List.of("d")).stream()
          .map(o -> o.url() + " " + o.size()).toList());
      List<S3Object> level = s3.listPaths(List.of("d"));
      assertEquals(List.of(d, d + "x"), level.stream().map(S3Object::url).toList());
      assertEquals(d, level.get(0).key(), "metaflow: the listed prefix itself is named by its URL");
      assertTrue(level.get(0).exists());
      assertEquals(List.of("d", "d/x"), s3.getAll().stream().map(S3Object::key).toList(),
          "the zero-byte marker empty/ is a folder, never downloaded");
      assertEquals(List.of(), s3.getRecursive(List.of("empty")));
    }
  }

  @ParameterizedTest
  @MethodSource("servers")
  void racingTableWritersCommitThroughTheLog(Server server) throws Exception {
    String table = "s3://" + BUCKET + "/table/";
    S3Settings settings = settings(server.endpoint());
    ExecutorService pool = Executors.newFixedThreadPool(server.atomicConditionalPut() ? 3 : 1);
    List<Future<Long>> commits = new ArrayList<>();
    for (int w = 0; w < 3; w++) {
      int id = w;
      commits.add(pool.submit(() -> {
        TableWrite write = TableWrite.begin(settings, table, TableWrite.Mode.APPEND);
        try (S3 s3 = S3.builder().settings(settings).environment(Map.of()).build()) {
          var attempt = write.openAttempt(s3, "t" + id);
          attempt.write("country=C" + id + "/part.txt", ("w" + id).getBytes(), "text/plain");
          return write.commit(attempt.written()).version();
        }
      }));
    }
    List<Long> versions = new ArrayList<>();
    for (Future<Long> f : commits) {
      versions.add(f.get());
    }
    pool.shutdown();
    assertEquals(3, versions.stream().distinct().count(), "conditional writes gave each commit its own version");
    try (S3 s3 = S3.builder().settings(settings).environment(Map.of()).build()) {
      assertEquals(List.of("w0", "w1", "w2"), new ReadPlanner(s3).listPrefixes(List.of(table), PartitionFilter.ALL)
          .stream().map(o -> s3.get(o.url()).text()).toList());
    }
  }

  /**
   * metaflow's role: the configured credentials assume it through STS (moto serves STS at its S3 endpoint), and
   * the S3 requests are signed with the role's session, not the base keys. Where moto is installed.
   */
  @org.junit.jupiter.api.Test
  void aRoleIsAssumedThroughStsAndItsSessionSignsTheRequests() {
    org.junit.jupiter.api.Assumptions.assumeTrue(motoEndpoint != null, "moto_server is not installed here");
    java.util.Set<String> sessions = java.util.concurrent.ConcurrentHashMap.newKeySet();
    java.util.Set<String> keys = java.util.concurrent.ConcurrentHashMap.newKeySet();
    try (io.metaflows3.local.FaultProxy spy = io.metaflows3.local.FaultProxy.start(URI.create(motoEndpoint), 1)
        .onlyFor(r -> {
          if (r.target().contains(BUCKET)) {
            String token = r.headers().get("x-amz-security-token");
            if (token != null) {
              sessions.add(token);
            }
            keys.add(String.valueOf(r.headers().get("authorization")).replaceAll(".*Credential=([^/]*)/.*", "$1"));
          }
          return false;
        })) {
      S3Settings settings = S3Settings.builder().endpoint(spy.endpoint().toString())
          .credentials("AKIDBASEKEYS", "base-secret", null).role("arn:aws:iam::123456789012:role/metaflow").build();
      try (S3 s3 = S3.builder().settings(settings).s3root("s3://" + BUCKET + "/role/").environment(Map.of()).build()) {
        s3.put("assumed", "by the role");
        assertEquals("by the role", s3.get("assumed").text());
      }
    }
    assertEquals(1, sessions.size(), "every S3 request carries the role's one session token");
    assertFalse(keys.contains("AKIDBASEKEYS"), "no S3 request is signed with the base keys: " + keys);
  }
}
