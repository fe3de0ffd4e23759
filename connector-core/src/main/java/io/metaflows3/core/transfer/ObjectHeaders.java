package io.metaflows3.core.transfer;

import io.metaflows3.core.api.ServerSideEncryption;
import java.util.Map;

/** What an object is stored with besides its bytes: content type, S3 metadata headers, server-side encryption. */
public record ObjectHeaders(String contentType, Map<String, String> metadata, ServerSideEncryption encryption) {
  public String encryptionType() {
    return encryption == null ? null : encryption.type();
  }

  public String kmsKeyId() {
    return encryption == null ? null : encryption.kmsKeyId();
  }
}
