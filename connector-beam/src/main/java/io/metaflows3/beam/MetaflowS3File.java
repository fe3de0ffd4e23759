package io.metaflows3.beam;

import io.metaflows3.core.RangeStream;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.core.SharedClients;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import org.apache.beam.sdk.schemas.JavaFieldSchema;
import org.apache.beam.sdk.schemas.annotations.DefaultSchema;
import org.apache.beam.sdk.schemas.annotations.SchemaCreate;

/**
 * An S3 object as a handle its consumer opens, as Beam's {@code FileIO.ReadableFile} is: {@link #open} streams
 * it by ranged GETs of one part each, the next part fetched while one is read, so an object of any size is
 * read with two parts in memory. Pinned to the version listed ({@code etag}; empty when the listing had none): a
 * replaced object fails to read rather than mixing versions. {@code partitionValues} are the hive-style values
 * of its key ({@code country=US/...}).
 */
@DefaultSchema(JavaFieldSchema.class)
public final class MetaflowS3File implements Serializable {
  private static final long serialVersionUID = 1L;

  public final String url;
  public final String key;
  public final long size;
  public final String etag;
  public final Map<String, String> partitionValues;

  @SchemaCreate
  public MetaflowS3File(String url, String key, long size, String etag, Map<String, String> partitionValues) {
    this.url = url;
    this.key = key;
    this.size = size;
    this.etag = etag == null ? "" : etag;
    this.partitionValues = Map.copyOf(partitionValues);
  }

  /**
   * A stream of the object's bytes, fetched as it is read, by this JVM's client for {@code settings} (the
   * settings the read was made with; the client is made on the worker and shared there).
   */
  public InputStream openStream(S3Settings settings) {
    return new RangeStream(SharedClients.get(settings), url, size, etag.isEmpty() ? null : etag);
  }

  /** The same as a channel, as {@code ReadableFile.open()} gives. */
  public ReadableByteChannel open(S3Settings settings) {
    return Channels.newChannel(openStream(settings));
  }

  public byte[] readFullyAsBytes(S3Settings settings) throws IOException {
    try (InputStream in = openStream(settings)) {
      return in.readAllBytes();
    }
  }

  public String readFullyAsUTF8String(S3Settings settings) throws IOException {
    return new String(readFullyAsBytes(settings), StandardCharsets.UTF_8);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MetaflowS3File f && url.equals(f.url) && key.equals(f.key) && size == f.size
        && etag.equals(f.etag) && partitionValues.equals(f.partitionValues);
  }

  @Override
  public int hashCode() {
    return Objects.hash(url, size, etag);
  }

  @Override
  public String toString() {
    return "MetaflowS3File[" + url + ", size=" + size + "]";
  }
}
