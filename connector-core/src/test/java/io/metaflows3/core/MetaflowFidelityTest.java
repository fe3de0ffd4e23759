package io.metaflows3.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.metaflows3.core.api.S3GetObject;
import io.metaflows3.core.api.S3Object;
import io.metaflows3.core.api.S3PutObject;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.core.metaflow.MetaflowConfig;
import io.metaflows3.local.FaultProxy;
import io.metaflows3.local.LocalS3Extension;
import io.metaflows3.local.LocalS3Server;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Where metaflow's client (metaflow/plugins/datatools/s3/s3.py, metaflow_config_funcs.py) decides a behaviour
 * that a user sees, this client does the same: objects written as metaflow's client (boto3 calls with its
 * headers) read here, and what this client writes is what metaflow's would have sent.
 */
@ExtendWith(LocalS3Extension.class)
class MetaflowFidelityTest {
  private final LocalS3Server server;

  MetaflowFidelityTest(LocalS3Server server) {
    this.server = server;
  }

  private S3 client(String root) {
    return S3.builder().settings(LocalS3.settings(server).build()).s3root(LocalS3.root(server, root))
        .environment(Map.of()).build();
  }

  /** A plain SDK client, writing as boto3 does for metaflow's put: its own headers, nothing of ours. */
  private S3Client raw() {
    return S3Client.builder().endpointOverride(server.endpoint()).forcePathStyle(true).region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
            LocalS3Server.ACCESS_KEY_ID, LocalS3Server.SECRET_ACCESS_KEY))).build();
  }

  /** s3.py's put sends ContentType only when one is given; S3 then stores its own default. */
  @Test
  void noContentTypeIsSentWhenNoneIsGiven(@TempDir Path dir) throws Exception {
    List<Map<String, String>> writes = Collections.synchronizedList(new ArrayList<>());
    try (FaultProxy spy = FaultProxy.start(server.endpoint(), 1).onlyFor(request -> {
      // The requests that create objects: PUT of an object, POST ?uploads (a part's headers do not count).
      if (request.method().equals("PUT") && !request.target().contains("partNumber=")
          || request.method().equals("POST") && request.target().contains("uploads")) {
        writes.add(request.headers());
      }
      return false;
    })) {
      Path big = dir.resolve("big.bin");
      Files.write(big, new byte[6 * (int) S3Settings.MIB]);
      try (S3 s3 = S3.builder().settings(S3Settings.builder().endpoint(spy.endpoint().toString())
          .credentials(LocalS3Server.ACCESS_KEY_ID, LocalS3Server.SECRET_ACCESS_KEY, null)
          .partSize(5 * S3Settings.MIB).multipartThreshold(5 * S3Settings.MIB).build())
          .s3root(LocalS3.root(server, "fidelity/types/")).environment(Map.of()).build()) {
        s3.put("text", "some text");
        s3.putMany(List.of(S3PutObject.of("bytes", new byte[] {1, 2})));
        s3.putFiles(Map.of("big", big));
        assertFalse(writes.isEmpty());
        for (Map<String, String> headers : writes) {
          assertFalse(headers.containsKey("content-type"), "no content type sent: " + headers);
        }
        writes.clear();
        s3.put(S3PutObject.of("typed", "{}").withContentType("application/json"));
        assertEquals("application/json", writes.get(0).get("content-type"), "a given one is sent");
        assertEquals("application/json", s3.info("typed").contentType().orElseThrow());
      }
    }
  }

  /**
   * metaflow stores user metadata as json.dumps of its dict in one header and reads it with json.loads: values
   * keep their JSON types both ways.
   */
  @Test
  void metadataValuesKeepTheirJsonTypesBothWays() {
    String key = "fidelity/meta/from-python";
    try (S3Client raw = raw()) {
      // What metaflow's put(key, obj, metadata={...}) sends: Python's json.dumps, with its separators.
      raw.putObject(r -> r.bucket(server.bucket()).key(key).metadata(Map.of("metaflow-user-attributes",
          "{\"n\": 1, \"t\": true, \"none\": null, \"nested\": {\"a\": [1, 2]}, \"f\": 1.5, \"s\": \"text\"}")),
          RequestBody.fromString("x"));
    }
    Map<String, Object> expected = new LinkedHashMap<>();
    expected.put("n", 1);
    expected.put("t", true);
    expected.put("none", null);
    expected.put("nested", Map.of("a", List.of(1, 2)));
    expected.put("f", 1.5);
    expected.put("s", "text");
    try (S3 s3 = client("fidelity/meta/")) {
      S3Object read = s3.info("from-python");
      assertEquals(expected, read.metadataValues());
      assertEquals(List.of("n", "t", "none", "nested", "f", "s"), List.copyOf(read.metadataValues().keySet()));
      assertEquals("text", read.metadata().get("s"), "the string view: strings as they are");
      assertEquals("1", read.metadata().get("n"));
      assertEquals("{\"a\":[1,2]}", read.metadata().get("nested"), "other values as their JSON");

      s3.put(S3PutObject.of("round-trip", "y").withMetadata(read.metadataValues()));
      assertEquals(expected, s3.info("round-trip").metadataValues(), "written back, the types stay");
      try (S3Client raw = raw()) {
        String header = raw.headObject(r -> r.bucket(server.bucket()).key("fidelity/meta/round-trip")).metadata()
            .get("metaflow-user-attributes");
        assertEquals("{\"n\":1,\"t\":true,\"none\":null,\"nested\":{\"a\":[1,2]},\"f\":1.5,\"s\":\"text\"}",
            header, "one JSON object, as metaflow's json.loads reads it");
      }
    }
  }

  /**
   * metaflow_config_funcs.py: the config lies under os.path.expanduser("~/.metaflowconfig") ($HOME), and
   * from_conf takes os.environ.get(name, ...), so a variable set empty overrides the files.
   */
  @Test
  void configComesFromHomeAndAnEmptyVariableOverridesIt(@TempDir Path dir) throws Exception {
    Path home = Files.createDirectories(dir.resolve("elsewhere/.metaflowconfig"));
    Files.writeString(home.resolve("config.json"), "{\"METAFLOW_DATATOOLS_S3ROOT\": \"s3://home-bucket/data\", "
        + "\"METAFLOW_S3_ENDPOINT_URL\": \"" + server.endpoint() + "\"}");
    MetaflowConfig fromHome = MetaflowConfig.load(Map.of("HOME", dir.resolve("elsewhere").toString()), dir);
    assertEquals("s3://home-bucket/data", fromHome.get("DATATOOLS_S3ROOT").orElseThrow());
    assertEquals(server.endpoint().toString(), S3Settings.fromConfig(fromHome).endpoint());

    MetaflowConfig emptied = MetaflowConfig.load(Map.of("HOME", dir.resolve("elsewhere").toString(),
        "METAFLOW_DATATOOLS_S3ROOT", "", "METAFLOW_S3_ENDPOINT_URL", ""), dir);
    assertTrue(emptied.get("DATATOOLS_S3ROOT").isEmpty(), "set empty in the environment: none, not the file's");
    assertNull(S3Settings.fromConfig(emptied).endpoint());
    try (S3 s3 = S3.builder().settings(LocalS3.settings(server).build()).config(emptied).build()) {
      assertTrue(s3.root().isEmpty(), "no datatools root, as metaflow's S3() has none");
    }
  }

  /** s3.py's _url: os.path.join(self._s3root, key.lstrip("/")); and every result of a get names the root. */
  @Test
  void leadingSlashesAreDroppedAndGetsNameTheRootAsMetaflowDoes() {
    String root = LocalS3.root(server, "fidelity/keys");
    try (S3 s3 = client("fidelity/keys/")) {
      s3.put("/a", "first");
      s3.put("b/c", "second");
      assertEquals("first", s3.get("a").text());
      List<S3Object> got = s3.getMany(List.of("/a", "//b/c"));
      assertEquals(List.of("first", "second"), got.stream().map(S3Object::text).toList());
      assertEquals(List.of("a", "b/c"), got.stream().map(S3Object::key).toList());
      assertEquals(List.of(root + "/a", root + "/b/c"), got.stream().map(S3Object::url).toList());
      assertEquals(root, got.get(0).prefix(), "metaflow's S3Object.prefix of a get is the root, no '/'");
      assertEquals(root, s3.info("b/c").prefix());
      assertEquals(root, s3.getAll().get(0).prefix());
      assertEquals(List.of("c"), s3.listPaths(List.of("/b")).stream().map(S3Object::key).toList());
      assertArrayEquals("second".getBytes(StandardCharsets.UTF_8), s3.getManyObjects(
          List.of(S3GetObject.of("/b/c"))).get(0).blob());
    }
  }
}
