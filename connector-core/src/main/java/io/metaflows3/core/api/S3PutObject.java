package io.metaflows3.core.api;

import io.metaflows3.core.metaflow.MetaflowS3URLException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An object to store: a key and either bytes in memory or a local file (streamed, never read whole),
 * with an optional content type and user metadata (metaflow's {@code S3PutObject}). Text is stored as UTF-8 and,
 * as metaflow does, with no content type unless one is given (the server's default then applies).
 */
public record S3PutObject(String key, byte[] value, Path path, String contentType, Map<String, ?> metadata,
    ServerSideEncryption encryption) {
  public S3PutObject {
    if (key == null) {
      throw new MetaflowS3URLException("missing key", null);
    }
    if ((value == null) == (path == null)) {
      throw new IllegalArgumentException("give either a value or a path for " + key);
    }
    metadata = metadata == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
  }

  public static S3PutObject of(String key, byte[] value) {
    return new S3PutObject(key, value, null, null, null, null);
  }

  public static S3PutObject of(String key, String value) {
    return new S3PutObject(key, value.getBytes(StandardCharsets.UTF_8), null, null, null, null);
  }

  public static S3PutObject ofFile(String key, Path path) {
    return new S3PutObject(key, null, path, null, null, null);
  }

  public S3PutObject withContentType(String type) {
    return new S3PutObject(key, value, path, type, metadata, encryption);
  }

  /**
   * User metadata: names to JSON values (strings, numbers, booleans, null, lists and maps of them), stored as
   * metaflow stores its dict, so metaflow's client reads the same values and types.
   */
  public S3PutObject withMetadata(Map<String, ?> meta) {
    return new S3PutObject(key, value, path, contentType, meta, encryption);
  }

  /** Server-side encryption of this object, over the client's default. */
  public S3PutObject withEncryption(ServerSideEncryption sse) {
    return new S3PutObject(key, value, path, contentType, metadata, sse);
  }
}
