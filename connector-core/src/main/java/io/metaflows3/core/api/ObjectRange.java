package io.metaflows3.core.api;

import java.io.Serializable;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Bytes [{@code start}, {@code end}) of one object of {@code size} bytes, with the hive-style partition
 * values its key carries ({@code country=US/...} gives {country=US}). The unit a split is made of.
 * {@code immutable}: the object never changes (a Delta table's data file, whose path its writer made unique and
 * the protocol never rewrites), so its bytes may be pinned and cached without an ETag. {@code lastModified}:
 * when the object was stored, as its listing (or a Delta log) says; null when not known.
 */
public record ObjectRange(String url, long size, String etag, long start, long end,
    Map<String, String> partitionValues, boolean immutable, Instant lastModified) implements Serializable {
  /** The version token of an immutable object with no ETag (see {@link #version()}). */
  public static final String IMMUTABLE = "immutable";

  /** A range of an object that may change (pinned by its ETag, when known). */
  public ObjectRange(String url, long size, String etag, long start, long end, Map<String, String> partitionValues) {
    this(url, size, etag, start, end, partitionValues, false, null);
  }

  /** A range of an object whose time of storing is not known. */
  public ObjectRange(String url, long size, String etag, long start, long end, Map<String, String> partitionValues,
      boolean immutable) {
    this(url, size, etag, start, end, partitionValues, immutable, null);
  }

  public ObjectRange {
    if (start < 0 || end < start || end > size) {
      throw new IllegalArgumentException("bad range [" + start + ", " + end + ") of " + size + " bytes: " + url);
    }
    partitionValues = partitionValues == null ? Map.of() : new LinkedHashMap<>(partitionValues);
  }

  /** Bytes [{@code from}, {@code to}) of the same object, all else as this range's. */
  public ObjectRange slice(long from, long to) {
    return new ObjectRange(url, size, etag, from, to, partitionValues, immutable, lastModified);
  }

  /** True when this range is the whole object. */
  public boolean isWhole() {
    return start == 0 && end == size;
  }

  public long length() {
    return end - start;
  }

  /**
   * The version readers pin this object's bytes to and cache them by: its ETag, or {@link #IMMUTABLE} for an
   * immutable object without one; null when neither (reads take whatever is there, nothing is cached).
   */
  public String version() {
    return etag != null ? etag : immutable ? IMMUTABLE : null;
  }

  /** The If-Match a read of {@code version} sends: the ETag; none for an immutable object (or no version). */
  public static String ifMatch(String version) {
    return IMMUTABLE.equals(version) ? null : version;
  }
}
