package io.metaflows3.core;

import io.metaflows3.local.LocalS3Server;

/** Settings and clients for the embedded server the test class runs. */
final class LocalS3 {
  private LocalS3() {}

  static S3Settings.Builder settings(LocalS3Server server) {
    return S3Settings.builder().endpoint(server.endpoint().toString())
        .credentials(LocalS3Server.ACCESS_KEY_ID, LocalS3Server.SECRET_ACCESS_KEY, null);
  }

  static String root(LocalS3Server server, String prefix) {
    return "s3://" + server.bucket() + "/" + prefix;
  }
}
