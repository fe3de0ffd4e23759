package io.metaflows3.core;

import io.metaflows3.local.LocalS3Server;

/** Settings for the embedded server a test class runs; shared with the engine modules' tests. */
public final class LocalS3 {
  private LocalS3() {}

  public static S3Settings.Builder settings(LocalS3Server server) {
    return S3Settings.builder().endpoint(server.endpoint().toString())
        .credentials(LocalS3Server.ACCESS_KEY_ID, LocalS3Server.SECRET_ACCESS_KEY, null);
  }

  public static String root(LocalS3Server server, String prefix) {
    return "s3://" + server.bucket() + "/" + prefix;
  }
}
