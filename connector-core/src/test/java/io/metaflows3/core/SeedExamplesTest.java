package io.metaflows3.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.metaflows3.core.api.GetOption;
import io.metaflows3.core.api.PutOption;
import io.metaflows3.core.api.RangeInfo;
import io.metaflows3.core.api.S3GetObject;
import io.metaflows3.core.api.S3Object;
import io.metaflows3.core.api.S3PutObject;
import io.metaflows3.core.api.S3Url;
import io.metaflows3.core.api.StoredObject;
import io.metaflows3.core.metaflow.FlowRun;
import io.metaflows3.core.metaflow.IncludedFile;
import io.metaflows3.core.metaflow.MetaflowS3Exception;
import io.metaflows3.core.table.Runs;
import io.metaflows3.local.LocalS3Extension;
import io.metaflows3.local.LocalS3Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/** The examples of metaflow.S3's documentation, in Java, against a real S3-compatible server. */
@ExtendWith(LocalS3Extension.class)
class SeedExamplesTest {
  private final LocalS3Server server;
  private final String datatools;

  SeedExamplesTest(LocalS3Server server) {
    this.server = server;
    this.datatools = LocalS3.root(server, "seed/data/");
  }

  private S3 inRun(String runId) {
    return inRun("S3DemoFlow", runId);
  }

  private S3 inRun(String flow, String runId) {
    return S3.builder().settings(LocalS3.settings(server).build()).s3root(datatools)
        .run(FlowRun.of(flow, runId)).build();
  }

  @Test
  void storeAndLoadInARun() {
    try (S3 s3 = inRun("3")) {
      String url = s3.put("example_object", "hello world");
      assertEquals(datatools + "S3DemoFlow/3/example_object", url);
      S3Object obj = s3.get("example_object");
      assertEquals("hello world", obj.text());
      assertEquals("example_object", obj.key());
      assertEquals(url, obj.url());
      assertEquals(11, obj.size());
      assertTrue(obj.downloaded());
      // Lineage travels with the object, not only in its URL.
      assertEquals("S3DemoFlow", obj.lineage().get("metaflow-flow"));
      assertEquals("3", obj.lineage().get("metaflow-run-id"));
      assertEquals(Map.of(), obj.metadata(), "lineage is not user metadata");
    }
  }

  @Test
  void loadAnObjectAPastRunProduced() {
    try (S3 past = inRun("TrainFlow", "100")) {
      past.put("model", "weights of run 100");
    }
    try (S3 later = inRun("TrainFlow", "101")) {
      later.put("model", "weights of run 101");
    }
    try (S3 s3 = inRun("TrainFlow", "100")) {
      assertEquals("weights of run 100", s3.get("model").text());
    }
    try (S3 s3 = S3.builder().settings(LocalS3.settings(server).build()).s3root(datatools).build()) {
      FlowRun latest = Runs.latest(s3, "TrainFlow").orElseThrow();
      assertEquals(FlowRun.of("TrainFlow", "101"), latest);
    }
  }

  @Test
  void storeAndLoadUnderAnS3root() {
    try (S3 s3 = S3.builder().settings(LocalS3.settings(server).build())
        .s3root(LocalS3.root(server, "seed/external/")).build()) {
      String url = s3.put("fruit", "banana");
      assertEquals(LocalS3.root(server, "seed/external/fruit"), url);
      assertEquals("banana", s3.get("fruit").text());
    }
    try (S3 s3 = S3.builder().settings(LocalS3.settings(server).build()).bucket(server.bucket())
        .prefix("seed/external").build()) {
      assertEquals("banana", s3.get("fruit").text());
    }
  }

  @Test
  void getManyAndGetRecursive() {
    try (S3 s3 = inRun("200")) {
      s3.putMany(List.of(S3PutObject.of("dir/a", "A"), S3PutObject.of("dir/b", "B"),
          S3PutObject.of("dir/sub/c", "C"), S3PutObject.of("other/d", "D")));
      List<S3Object> many = s3.getMany(List.of("dir/sub/c", "dir/a", "other/d"));
      assertEquals(List.of("C", "A", "D"), many.stream().map(S3Object::text).toList());
      List<S3Object> recursive = s3.getRecursive(List.of("other", "dir"));
      assertEquals(List.of("d", "a", "b", "sub/c"), recursive.stream().map(S3Object::key).toList());
      assertEquals(List.of("D", "A", "B", "C"), recursive.stream().map(S3Object::text).toList());
      String run = datatools + "S3DemoFlow/200/";
      assertEquals(List.of(run + "other", run + "dir", run + "dir", run + "dir"),
          recursive.stream().map(S3Object::prefix).toList());
      assertEquals(List.of("dir/a", "dir/b", "dir/sub/c", "other/d"), s3.getAll().stream().map(S3Object::key).toList(),
          "get_all names keys relative to the root");
    }
  }

  @Test
  void twoRangesOfOneObject() {
    byte[] data = new byte[4096];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i * 31 + 7);
    }
    try (S3 s3 = inRun("300")) {
      s3.put("blob", data);
      List<S3Object> ranges = s3.getManyObjects(List.of(S3GetObject.of("blob", 0, 1024),
          S3GetObject.of("blob", 1024, 1024)));
      for (int r = 0; r < 2; r++) {
        byte[] got = ranges.get(r).blob();
        assertEquals(1024, got.length);
        for (int i = 0; i < 1024; i++) {
          assertEquals(data[r * 1024 + i], got[i]);
        }
        assertEquals(new RangeInfo(4096, r * 1024L, 1024), ranges.get(r).range().orElseThrow());
      }
    }
  }

  @Test
  void putManyAndPutFiles(@TempDir Path dir) throws Exception {
    Path one = Files.writeString(dir.resolve("one.txt"), "first file");
    Path two = Files.writeString(dir.resolve("two.txt"), "second file");
    try (S3 s3 = inRun("400")) {
      List<StoredObject> stored = s3.putMany(List.of(S3PutObject.of("k1", "v1"), S3PutObject.of("k2", "v2")));
      assertEquals(List.of("k1", "k2"), stored.stream().map(StoredObject::key).toList());
      Map<String, Path> files = new LinkedHashMap<>();
      files.put("files/one", one);
      files.put("files/two", two);
      List<StoredObject> uploaded = s3.putFiles(files);
      assertEquals(datatools + "S3DemoFlow/400/files/two", uploaded.get(1).url());
      assertEquals(List.of("first file", "second file"),
          s3.getMany(List.of("files/one", "files/two")).stream().map(S3Object::text).toList());
    }
  }

  @Test
  void listPathsAndListRecursive() {
    try (S3 s3 = S3.builder().settings(LocalS3.settings(server).build())
        .s3root(LocalS3.root(server, "seed/tree/")).build()) {
      s3.putMany(List.of(S3PutObject.of("first/a/object1", "1"), S3PutObject.of("first/b/x/object2", "2"),
          S3PutObject.of("second/c/object3", "3")));
      // Keys as metaflow's documentation prints them: relative to the prefix listed, no trailing '/'.
      List<S3Object> top = s3.listPaths();
      assertEquals(List.of("first", "second"), top.stream().map(S3Object::key).toList());
      assertTrue(top.stream().noneMatch(S3Object::exists));
      List<S3Object> level = s3.listPaths(List.of("first", "second"));
      assertEquals(List.of("a", "b", "c"), level.stream().map(S3Object::key).toList());
      assertEquals(LocalS3.root(server, "seed/tree/first/"), level.get(0).prefix());
      List<S3Object> mixed = s3.listPaths(List.of("first/a", "first/b"));
      assertEquals(List.of("object1 object", "x prefix"), mixed.stream()
          .map(o -> o.key() + (o.exists() ? " object" : " prefix")).toList());
      List<S3Object> all = s3.listRecursive();
      assertEquals(List.of("first/a/object1", "first/b/x/object2", "second/c/object3"),
          all.stream().map(S3Object::key).toList());
      assertTrue(all.stream().allMatch(o -> o.exists() && o.size() == 1 && !o.downloaded()));
      List<S3Object> below = s3.listRecursive(List.of("first/b"));
      assertEquals(List.of("x/object2"), below.stream().map(S3Object::key).toList());
      assertEquals(LocalS3.root(server, "seed/tree/first/b"), below.get(0).prefix());
    }
  }

  @Test
  void folderMarkersAreFoldersToo() {
    try (S3 s3 = S3.builder().settings(LocalS3.settings(server).build())
        .s3root(LocalS3.root(server, "seed/markers/")).build()) {
      // What the S3 console's "Create folder" and Hadoop's mkdirs leave: zero-byte keys ending in '/'.
      s3.putMany(List.of(S3PutObject.of("data/", ""), S3PutObject.of("data/sub/", ""),
          S3PutObject.of("data/sub/x.txt", "x")));
      assertEquals(List.of("sub", "sub/x.txt"), s3.listRecursive(List.of("data")).stream().map(S3Object::key)
          .toList(), "the marker of the listed folder itself is not below it; deeper markers are listed");
      assertEquals(List.of("sub/x.txt"), s3.getRecursive(List.of("data")).stream().map(S3Object::key).toList(),
          "markers are never downloaded");
      assertEquals(List.of("data/sub/x.txt"), s3.getAll().stream().map(S3Object::key).toList());
    }
  }

  @Test
  void returnMissing() {
    try (S3 s3 = inRun("500")) {
      s3.put("present", "here");
      List<S3Object> got = s3.getMany(List.of("present", "absent"), GetOption.RETURN_MISSING);
      assertTrue(got.get(0).exists());
      assertFalse(got.get(1).exists());
      assertFalse(got.get(1).downloaded());
      assertEquals("absent", got.get(1).key());
      assertFalse(s3.info("absent", GetOption.RETURN_MISSING).exists());
    }
  }

  @Test
  void overwriteFalseKeepsTheFirstValue() {
    try (S3 s3 = inRun("600")) {
      s3.put("once", "first");
      String url = s3.put("once", "second", PutOption.NO_OVERWRITE);
      assertTrue(url.endsWith("/once"));
      assertEquals("first", s3.get("once").text());
      assertEquals(List.of("fresh"), s3.putMany(List.of(S3PutObject.of("once", "third"),
          S3PutObject.of("fresh", "new")), PutOption.NO_OVERWRITE).stream().map(StoredObject::key).toList());
      assertEquals("first", s3.get("once").text());
      s3.put("once", "replaced");
      assertEquals("replaced", s3.get("once").text());
    }
  }

  @Test
  void includeFileStoresAsMetaflowDoesOncePerContent(@TempDir Path dir, S3Client raw) throws Exception {
    Path file = Files.writeString(dir.resolve("config.json"), "{\"alpha\": 0.1}");
    String sha1 = java.util.HexFormat.of().formatHex(
        java.security.MessageDigest.getInstance("SHA-1").digest(Files.readAllBytes(file)));
    try (S3 s3 = inRun("700")) {
      IncludedFile first = s3.includeFile(file);
      // metaflow's layout: <datatools root>/<Flow>/<sha1 of the content>, gzip, shared by the flow's runs.
      assertEquals(datatools + "S3DemoFlow/" + sha1, first.url());
      assertEquals(first, s3.includeFile(file));
      S3Url url = S3Url.parse(first.url());
      byte[] stored = raw.getObjectAsBytes(r -> r.bucket(url.bucket()).key(url.key())).asByteArray();
      assertEquals("{\"alpha\": 0.1}", new String(new java.util.zip.GZIPInputStream(
          new java.io.ByteArrayInputStream(stored)).readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
      assertEquals("{\"note\":\"Internal representation of IncludeFile\",\"type\":\"uploader-v2\","
          + "\"sub-type\":\"uploaded\",\"url\":\"" + first.url() + "\",\"is_text\":true,\"encoding\":\"utf-8\","
          + "\"size\":14}", first.descriptor());
      assertEquals(first, IncludedFile.parse(first.descriptor()));
      assertEquals("{\"alpha\": 0.1}", new String(s3.loadIncludedFile(first), first.encoding()));
    }
  }

  @Test
  void includedFilesOfPythonFlowsLoad(S3Client raw) throws Exception {
    // As metaflow's Python IncludeFile stores a binary file and describes it (json.dumps of its descriptor).
    byte[] content = {0, 1, 2, (byte) 0xff, 'x'};
    java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
    try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(gz)) {
      out.write(content);
    }
    S3Url url = S3Url.parse(datatools + "HashFileFlow/0123abcd");
    raw.putObject(r -> r.bucket(url.bucket()).key(url.key()),
        software.amazon.awssdk.core.sync.RequestBody.fromBytes(gz.toByteArray()));
    String v2 = "{\"note\": \"Internal representation of IncludeFile\", \"type\": \"uploader-v2\", "
        + "\"sub-type\": \"uploaded\", \"url\": \"" + url + "\", \"is_text\": false, \"encoding\": null, "
        + "\"size\": 5}";
    String v1 = "{\"type\": \"uploader-v1\", \"url\": \"" + url + "\", \"is_text\": false, \"encoding\": null}";
    try (S3 s3 = S3.builder().settings(LocalS3.settings(server).build()).build()) {
      assertArrayEquals(content, s3.loadIncludedFile(IncludedFile.parse(v2)));
      assertArrayEquals(content, s3.loadIncludedFile(IncludedFile.parse(v1)));
      assertEquals(null, IncludedFile.parse(v1).encoding(), "a JSON null is no encoding");
      s3.put(datatools + "elsewhere.txt", "plain");
      String external = "{\"note\": \"Internal representation of IncludeFile\", \"type\": \"uploader-v2\", "
          + "\"sub-type\": \"external\", \"url\": \"" + datatools + "elsewhere.txt\", \"is_text\": true, "
          + "\"encoding\": \"utf-8\"}";
      assertEquals("plain", new String(s3.loadIncludedFile(IncludedFile.parse(external)), "utf-8"));
      assertThrows(MetaflowS3Exception.class, () -> IncludedFile.parse("{\"type\": \"other\"}"));
    }
  }
}
