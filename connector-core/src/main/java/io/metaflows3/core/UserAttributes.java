package io.metaflows3.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * User metadata in metaflow's format: one S3 metadata header, {@code metaflow-user-attributes}, holding a JSON
 * object, so names keep their case (S3 lowercases header names) and metaflow's Python client reads what Java
 * wrote and the reverse. Non-ASCII text is escaped, as S3 headers must be ASCII (and as Python's json does).
 */
final class UserAttributes {
  static final String HEADER = "metaflow-user-attributes";
  private static final JsonMapper JSON = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

  private UserAttributes() {}

  /** The header value for {@code attributes}, in their order. */
  static String render(Map<String, String> attributes) {
    try {
      return JSON.writeValueAsString(attributes);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a map of strings always renders as JSON", e);
    }
  }

  /**
   * The user attributes in an object's S3 metadata; empty when it has none (metaflow's {@code None}). A value
   * that is not a JSON string (metaflow accepts any JSON) is given as its JSON text.
   */
  static Map<String, String> parse(Map<String, String> s3Metadata, String url) {
    String header = s3Metadata == null ? null : s3Metadata.get(HEADER);
    if (header == null) {
      return Map.of();
    }
    try {
      JsonNode tree = JSON.readTree(header);
      if (!tree.isObject()) {
        throw new MetaflowS3Exception(HEADER + " is not a JSON object", url);
      }
      Map<String, String> attributes = new LinkedHashMap<>();
      tree.fields().forEachRemaining(e -> attributes.put(e.getKey(),
          e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString()));
      return Collections.unmodifiableMap(attributes);
    } catch (JsonProcessingException e) {
      throw new MetaflowS3Exception(HEADER + " is not valid JSON", url, e);
    }
  }
}
