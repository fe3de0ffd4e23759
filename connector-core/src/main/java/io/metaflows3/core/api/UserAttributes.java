package io.metaflows3.core.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.metaflows3.core.metaflow.MetaflowS3Exception;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * User metadata in metaflow's format: one S3 metadata header, {@code metaflow-user-attributes}, holding a JSON
 * object, so names keep their case (S3 lowercases header names) and metaflow's Python client reads what Java
 * wrote and the reverse. Non-ASCII text is escaped, as S3 headers must be ASCII (and as Python's json does).
 */
public final class UserAttributes {
  public static final String HEADER = "metaflow-user-attributes";
  private static final JsonMapper JSON = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

  private UserAttributes() {}

  /**
   * The header value for {@code attributes}, in their order: each value as JSON (strings, numbers, booleans,
   * null, lists and maps of them), as metaflow's {@code json.dumps} of its dict.
   */
  public static String render(Map<String, ?> attributes) {
    try {
      return JSON.writeValueAsString(attributes);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("user metadata must be JSON values (strings, numbers, booleans, null, "
          + "lists and maps of them): " + e.getOriginalMessage(), e);
    }
  }

  /**
   * The user attributes in an object's S3 metadata with their JSON types, as metaflow's {@code json.loads} gives
   * them (String, Integer/Long/BigInteger, Double, Boolean, null, List, Map); empty when it has none
   * (metaflow's {@code None}).
   */
  public static Map<String, Object> parse(Map<String, String> s3Metadata, String url) {
    String header = s3Metadata == null ? null : s3Metadata.get(HEADER);
    if (header == null) {
      return Map.of();
    }
    try {
      JsonNode tree = JSON.readTree(header);
      if (!tree.isObject()) {
        throw new MetaflowS3Exception(HEADER + " is not a JSON object", url);
      }
      Map<String, Object> attributes = new LinkedHashMap<>();
      tree.fields().forEachRemaining(e -> attributes.put(e.getKey(), JSON.convertValue(e.getValue(), Object.class)));
      return Collections.unmodifiableMap(attributes);
    } catch (JsonProcessingException e) {
      throw new MetaflowS3Exception(HEADER + " is not valid JSON", url, e);
    }
  }

  /** The attributes as text: strings as they are, any other value as its JSON. */
  public static Map<String, String> texts(Map<String, Object> attributes) {
    Map<String, String> texts = new LinkedHashMap<>();
    attributes.forEach((name, value) -> texts.put(name, value instanceof String text ? text : render(value)));
    return Collections.unmodifiableMap(texts);
  }

  private static String render(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a parsed JSON value always renders", e);
    }
  }
}
