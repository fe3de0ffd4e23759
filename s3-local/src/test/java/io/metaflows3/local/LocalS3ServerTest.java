package io.metaflows3.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

@ExtendWith(LocalS3Extension.class)
class LocalS3ServerTest {

  @Test
  void servesObjectsOnLoopback(LocalS3Server server, S3Client s3) {
    assertEquals("127.0.0.1", server.endpoint().getHost());
    assertTrue(server.port() > 0);
    s3.putObject(b -> b.bucket(server.bucket()).key("hello.txt"), RequestBody.fromString("hi there"));
    assertEquals("hi there", s3.getObjectAsBytes(b -> b.bucket(server.bucket()).key("hello.txt")).asUtf8String());
  }

  @Test
  void deniesAWrongSecret(LocalS3Server server) {
    try (S3Client intruder = S3Client.builder()
        .endpointOverride(server.endpoint())
        .forcePathStyle(true)
        .region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(
            AwsBasicCredentials.create(LocalS3Server.ACCESS_KEY_ID, "wrong-secret")))
        .build()) {
      S3Exception e = assertThrows(S3Exception.class,
          () -> intruder.listObjectsV2(b -> b.bucket(server.bucket())));
      assertEquals(403, e.statusCode());
    }
  }
}
