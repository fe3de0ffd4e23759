package io.metaflows3.core;

import java.util.Map;

/** What an object is stored with besides its bytes: content type, S3 metadata headers, server-side encryption. */
record ObjectHeaders(String contentType, Map<String, String> metadata, ServerSideEncryption encryption) {
  String encryptionType() {
    return encryption == null ? null : encryption.type();
  }

  String kmsKeyId() {
    return encryption == null ? null : encryption.kmsKeyId();
  }
}
