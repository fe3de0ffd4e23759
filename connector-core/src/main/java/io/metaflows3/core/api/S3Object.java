package io.metaflows3.core.api;

import io.metaflows3.core.metaflow.Lineage;
import io.metaflows3.core.metaflow.MetaflowS3Exception;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One result of a get, info or list call (metaflow's {@code S3Object}). Downloaded data lives in a temporary
 * file ({@link #path()}) that exists until the {@link io.metaflows3.core.S3} client that returned it is closed; {@link #blob()}
 * and {@link #text()} read that file on demand.
 */
public final class S3Object {
  private final S3Url url;
  private final String key;
  private final String prefix;
  private final Path path;
  private final long size;
  private final boolean exists;
  private final boolean hasInfo;
  private final String contentType;
  private final Map<String, Object> metadataValues;
  private final Map<String, String> metadata;
  private final Map<String, String> lineage;
  private final Instant lastModified;
  private final String etag;
  private final RangeInfo range;
  private final String encryption;

  private S3Object(Builder b) {
    this.url = b.url;
    this.key = b.key;
    this.prefix = b.prefix;
    this.path = b.path;
    this.size = b.size;
    this.exists = b.exists;
    this.hasInfo = b.hasInfo;
    this.contentType = b.contentType;
    this.metadataValues = UserAttributes.parse(b.metadata, b.url.toString());
    this.metadata = UserAttributes.texts(metadataValues);
    this.lineage = lineageOf(b.metadata);
    this.lastModified = b.lastModified;
    this.etag = b.etag;
    this.range = b.range;
    this.encryption = b.encryption;
  }

  /** The server-side encryption S3 reports for the object ({@code AES256}, {@code aws:kms}), if any. */
  public Optional<String> encryption() {
    return Optional.ofNullable(encryption);
  }

  /** The full {@code s3://} URL. */
  public String url() {
    return url.toString();
  }

  public S3Url s3Url() {
    return url;
  }

  /**
   * The key relative to {@link #prefix()} (for gets and infos the client's root, for listings the prefix
   * listed), without a trailing '/'; the full URL when there is no prefix. metaflow's rule.
   */
  public String key() {
    return key;
  }

  /** The prefix (or root) that was asked for and that this result lies below; null when there was none. */
  public String prefix() {
    return prefix;
  }

  /** The temporary file holding the data; empty unless {@link #downloaded()}. */
  public Optional<Path> path() {
    return Optional.ofNullable(path);
  }

  /** Size in bytes of what was downloaded (the range, for ranged gets), else of the object; -1 if unknown. */
  public long size() {
    return size;
  }

  /** False for a missing object asked for with {@link GetOption#RETURN_MISSING}, and for listed prefixes. */
  public boolean exists() {
    return exists;
  }

  public boolean downloaded() {
    return path != null;
  }

  /** True when metadata, content type and last-modified time were fetched. */
  public boolean hasInfo() {
    return hasInfo;
  }

  public Optional<String> contentType() {
    return Optional.ofNullable(contentType);
  }

  /**
   * User metadata as text (names keep their case, entries their order): string values as they are, any other
   * value as its JSON text ({@code 1}, {@code true}, {@code null}, {@code {"a":[1,2]}}); empty when the object
   * has none (metaflow's {@code None}) or when it was not fetched. {@link #metadataValues()} keeps the types.
   */
  public Map<String, String> metadata() {
    return metadata;
  }

  /**
   * User metadata with its JSON types, as metaflow's {@code S3Object.metadata} gives it: String, Integer, Long
   * or BigInteger, Double, Boolean, null, List and Map; an object's metadata written back with
   * {@link S3PutObject#withMetadata} stays as metaflow's client wrote it.
   */
  public Map<String, Object> metadataValues() {
    return metadataValues;
  }

  /**
   * Where the object came from, when this project's client wrote it under a run: {@code metaflow-flow},
   * {@code metaflow-run-id} and, inside a task, {@code metaflow-step}, {@code metaflow-task-id},
   * {@code metaflow-attempt}.
   */
  public Map<String, String> lineage() {
    return lineage;
  }

  private static Map<String, String> lineageOf(Map<String, String> s3Metadata) {
    return Collections.unmodifiableMap(Lineage.of(s3Metadata));
  }

  public Optional<Instant> lastModified() {
    return Optional.ofNullable(lastModified);
  }

  public Optional<String> etag() {
    return Optional.ofNullable(etag);
  }

  /** For downloads: which bytes of the object {@link #path()} holds. */
  public Optional<RangeInfo> range() {
    return Optional.ofNullable(range);
  }

  /** The downloaded bytes. Reads the temp file: prefer {@link #path()} for large objects. */
  public byte[] blob() {
    try {
      return Files.readAllBytes(requireDownloaded());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the temp file of " + url, e);
    }
  }

  /** The downloaded bytes as UTF-8 text. */
  public String text() {
    return new String(blob(), StandardCharsets.UTF_8);
  }

  private Path requireDownloaded() {
    if (path == null) {
      throw new MetaflowS3Exception(exists ? "object was not downloaded" : "object does not exist", url.toString());
    }
    return path;
  }

  /** As metaflow's documentation prints it: {@code <S3Object s3://bucket/key (9 bytes)>}. */
  @Override
  public String toString() {
    return "<S3Object " + url + (exists ? " (" + size + " bytes)" : " (object does not exist)") + ">";
  }

  /**
   * A result for {@code url} below {@code prefix} (a URL, or null). As metaflow does: with no prefix, or with
   * the URL itself as prefix, the key is the URL and there is no prefix; otherwise the key is what follows the
   * prefix (its trailing '/' ignored), less a trailing '/'.
   */
  public static Builder builder(S3Url url, String prefix) {
    String u = url.toString();
    if (prefix == null || prefix.equals(u)) {
      return new Builder(url, u, null);
    }
    String base = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
    if (!u.startsWith(base + "/")) {
      throw new IllegalArgumentException(u + " is not below " + prefix);
    }
    String key = u.substring(base.length() + 1);
    return new Builder(url, key.endsWith("/") ? key.substring(0, key.length() - 1) : key, prefix);
  }

  public static final class Builder {
    private final S3Url url;
    private final String key;
    private final String prefix;
    private Path path;
    private long size = -1;
    private boolean exists = true;
    private boolean hasInfo;
    private String contentType;
    private Map<String, String> metadata;
    private Instant lastModified;
    private String etag;
    private RangeInfo range;
    private String encryption;

    private Builder(S3Url url, String key, String prefix) {
      this.url = url;
      this.key = key;
      this.prefix = prefix;
    }

    public Builder path(Path p) {
      this.path = p;
      return this;
    }

    public Builder size(long s) {
      this.size = s;
      return this;
    }

    public Builder missing() {
      this.exists = false;
      return this;
    }

    public Builder info(String type, Map<String, String> meta, Instant modified, String sse) {
      this.hasInfo = true;
      this.encryption = sse;
      this.contentType = type;
      this.metadata = meta;
      this.lastModified = modified;
      return this;
    }

    public Builder lastModified(Instant modified) {
      this.lastModified = modified;
      return this;
    }

    public Builder etag(String e) {
      this.etag = e;
      return this;
    }

    public Builder range(RangeInfo r) {
      this.range = r;
      return this;
    }

    public S3Object build() {
      return new S3Object(this);
    }
  }
}
