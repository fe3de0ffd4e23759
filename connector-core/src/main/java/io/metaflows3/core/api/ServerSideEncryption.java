package io.metaflows3.core.api;

import java.io.Serializable;

/**
 * Server-side encryption of stored objects: SSE-S3 ({@code AES256}) or SSE-KMS ({@code aws:kms}, with the key
 * to use, or none for the account's default key); {@code aws:kms:dsse} for dual-layer. metaflow configures the
 * type alone ({@code METAFLOW_S3_SERVER_SIDE_ENCRYPTION}).
 */
public record ServerSideEncryption(String type, String kmsKeyId) implements Serializable {
  public ServerSideEncryption {
    if (!type.equals("AES256") && !type.equals("aws:kms") && !type.equals("aws:kms:dsse")) {
      throw new IllegalArgumentException("server-side encryption must be AES256, aws:kms or aws:kms:dsse, got '"
          + type + "'");
    }
    if (kmsKeyId != null && type.equals("AES256")) {
      throw new IllegalArgumentException("a KMS key goes with aws:kms, not AES256");
    }
  }

  /** The type alone, as metaflow configures it. */
  public static ServerSideEncryption of(String type) {
    return new ServerSideEncryption(type, null);
  }

  /** SSE-KMS with the given key (an id, ARN or alias). */
  public static ServerSideEncryption kms(String keyId) {
    return new ServerSideEncryption("aws:kms", keyId);
  }
}
