package io.metaflows3.core.api;

import java.io.Serializable;
import java.util.List;

/** A unit of parallel reading: several small objects packed together, or one byte range of a large one. */
public record ReadSplit(List<ObjectRange> ranges) implements Serializable {
  public ReadSplit {
    ranges = List.copyOf(ranges);
  }

  public long bytes() {
    return ranges.stream().mapToLong(ObjectRange::length).sum();
  }
}
