package io.metaflows3.beam;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import org.apache.beam.sdk.schemas.JavaFieldSchema;
import org.apache.beam.sdk.schemas.annotations.DefaultSchema;
import org.apache.beam.sdk.schemas.annotations.SchemaCreate;

/**
 * An S3 object, or a byte chunk of a large one, as a Beam element with a schema. {@code offset} and
 * {@code length} say which bytes of the {@code size}-byte object {@code bytes} holds; for a whole object
 * offset is 0 and length equals size. {@code contentType} is empty when S3 gave none. {@code metadata} is the
 * user metadata as metaflow stores it, {@code lineage} the flow, run, step and task of objects written under a
 * run (both empty when there are none).
 */
@DefaultSchema(JavaFieldSchema.class)
public final class MetaflowS3Object implements Serializable {
  private static final long serialVersionUID = 1L;

  public final String url;
  public final String key;
  public final long size;
  public final long offset;
  public final long length;
  public final String contentType;
  public final Map<String, String> metadata;
  public final Map<String, String> lineage;
  public final byte[] bytes;

  @SchemaCreate
  public MetaflowS3Object(String url, String key, long size, long offset, long length, String contentType,
      Map<String, String> metadata, Map<String, String> lineage, byte[] bytes) {
    this.url = url;
    this.key = key;
    this.size = size;
    this.offset = offset;
    this.length = length;
    this.contentType = contentType;
    this.metadata = Map.copyOf(metadata);
    this.lineage = Map.copyOf(lineage);
    this.bytes = bytes;
  }

  public boolean isWhole() {
    return offset == 0 && length == size;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MetaflowS3Object m && url.equals(m.url) && key.equals(m.key) && size == m.size
        && offset == m.offset && length == m.length && contentType.equals(m.contentType)
        && metadata.equals(m.metadata) && lineage.equals(m.lineage) && Arrays.equals(bytes, m.bytes);
  }

  @Override
  public int hashCode() {
    return Objects.hash(url, offset, length, Arrays.hashCode(bytes));
  }

  @Override
  public String toString() {
    return "MetaflowS3Object[" + url + (isWhole() ? "" : " bytes " + offset + "+" + length) + ", size=" + size + "]";
  }
}
