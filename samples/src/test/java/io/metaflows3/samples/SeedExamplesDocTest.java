package io.metaflows3.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.metaflows3.core.LocalS3;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.local.LocalS3Extension;
import io.metaflows3.local.LocalS3Server;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * metaflow's "Loading and Storing Data" documentation is the core's specification: each example, run in Java
 * against buckets of the documentation's names, prints what the documentation prints, line for line. The
 * expected lines are the documentation's (shared/reference/metaflow-loading-and-storing-data.md), copied
 * verbatim; only a temporary file's path differs from machine to machine, and the content type of an object
 * put without one: metaflow's client sends none (s3.py's put), so it is the server's default, which the
 * documentation's server gave as application/octet-stream and S3 (and the embedded server) as
 * binary/octet-stream.
 */
@ExtendWith(LocalS3Extension.class)
class SeedExamplesDocTest {
  private final SeedExamples examples;
  private final S3Settings settings;

  SeedExamplesDocTest(LocalS3Server server) {
    server.createBucket("my-bucket");
    server.createBucket("ursa-labs-taxi-data");
    settings = LocalS3.settings(server).build();
    examples = new SeedExamples(settings, "s3://my-bucket/savin/tmp", "s3://my-bucket/metaflow/userdata/v1", "3");
  }

  @Test
  void storeAndLoadObjectsInAFlowThenFromTheLatestRun() {
    assertEquals(List.of(
        "Message saved at s3://my-bucket/metaflow/userdata/v1/S3DemoFlow/3/example_object",
        "Object found at s3://my-bucket/metaflow/userdata/v1/S3DemoFlow/3/example_object",
        "Message: {'message': 'hello world!'}"), examples.storeAndLoadInAFlow());
    assertEquals(List.of("{\"message\": \"hello world!\"}"), examples.loadFromTheLatestRun());
  }

  @Test
  void knownLocationsTheResultObjectAndManyObjects() {
    assertEquals(List.of("an alien message: I know nothing about Metaflow"), examples.loadAnExternalObject());
    assertEquals(List.of("pineapple"), examples.storeUnderAnS3root());
    List<String> attributes = examples.theResultObject();
    assertEquals(List.of(
        "location s3://my-bucket/savin/tmp/s3demo/fruit",
        "key fruit",
        "size 9"), attributes.subList(0, 3));
    assertTrue(attributes.get(3).matches("local path /.+"), attributes.get(3));
    assertEquals(List.of(
        "bytes b'pineapple'",
        "unicode pineapple",
        "metadata None",
        "content-type binary/octet-stream",
        "downloaded True"), attributes.subList(4, 9));
    assertEquals(List.of(
        "[<S3Object s3://my-bucket/savin/tmp/s3demo/fruit (9 bytes)>,",
        " <S3Object s3://my-bucket/savin/tmp/s3demo/animal (8 bytes)>]"), examples.getMany());
    assertEquals(List.of(
        "[<S3Object s3://my-bucket/savin/tmp/s3demo/animal (8 bytes)>,",
        " <S3Object s3://my-bucket/savin/tmp/s3demo/fruit (9 bytes)>]"), examples.getRecursive());
  }

  @Test
  void partsOfAFile() {
    String url = "s3://ursa-labs-taxi-data/2014/12/data.parquet";
    try (S3 s3 = S3.builder().settings(settings).build()) {
      s3.put(url, new byte[10_000]);
    }
    List<String> printed = examples.loadPartsOfAFile(url);
    assertEquals(2, printed.size());
    assertTrue(printed.stream().allMatch(line -> line.matches("/.+ 1024")), printed.toString());
  }

  @Test
  void storeMultipleObjectsAndFiles(@TempDir Path scratch) {
    assertEquals(List.of(
        "[('first_key', 's3://my-bucket/savin/tmp/s3demo_put/first_key'),",
        " ('second_key', 's3://my-bucket/savin/tmp/s3demo_put/second_key')]"), examples.putMany());
    assertEquals(List.of(
        "[('first_file', 's3://my-bucket/savin/tmp/s3demo_put/first_file'),",
        " ('second_file', 's3://my-bucket/savin/tmp/s3demo_put/second_file')]"), examples.putFiles(scratch));
  }

  @Test
  void includeAFile(@TempDir Path scratch) throws Exception {
    byte[] content = "my input".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    String sha1 = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-1").digest(content));
    assertEquals(List.of("Hello from start", "Hash of file is " + sha1, "Goodbye"),
        examples.includeAFile(java.nio.file.Files.write(scratch.resolve("myinput.bin"), content)));
  }

  @Test
  void listingObjects() {
    assertEquals(List.of(
        "first",
        "second",
        "",
        "a",
        "b",
        "c",
        "",
        "object1 object",
        "x prefix",
        "",
        "first/a/object1",
        "first/b/x/object2",
        "second/c/object3"), examples.listing());
  }
}
