package io.metaflows3.core;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Bytes [{@code start}, {@code end}) of one object of {@code size} bytes, with the hive-style partition
 * values its key carries ({@code country=US/...} gives {country=US}). The unit a split is made of.
 */
public record ObjectRange(String url, long size, String etag, long start, long end,
    Map<String, String> partitionValues) implements Serializable {

  public ObjectRange {
    if (start < 0 || end < start || end > size) {
      throw new IllegalArgumentException("bad range [" + start + ", " + end + ") of " + size + " bytes: " + url);
    }
    partitionValues = partitionValues == null ? Map.of() : new LinkedHashMap<>(partitionValues);
  }

  /** True when this range is the whole object. */
  public boolean isWhole() {
    return start == 0 && end == size;
  }

  public long length() {
    return end - start;
  }
}
