package io.metaflows3.core;

import io.metaflows3.core.api.S3Settings;
import io.metaflows3.local.LocalS3Server;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Settings for the embedded server a test class runs, and a look into a client's temp folder; shared with the
 * engine modules' tests.
 */
public final class LocalS3 {
  private LocalS3() {}

  public static S3Settings.Builder settings(LocalS3Server server) {
    return S3Settings.builder().endpoint(server.endpoint().toString())
        .credentials(LocalS3Server.ACCESS_KEY_ID, LocalS3Server.SECRET_ACCESS_KEY, null);
  }

  public static String root(LocalS3Server server, String prefix) {
    return "s3://" + server.bucket() + "/" + prefix;
  }

  /** The files in {@code s3}'s temp folder (its sub-folders are not files). */
  public static List<Path> tempFiles(S3 s3) {
    try (Stream<Path> all = Files.walk(s3.tempDir())) {
      return all.filter(Files::isRegularFile).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
