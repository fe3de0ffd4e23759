package io.metaflows3.beam;

import io.metaflows3.core.api.ObjectRange;
import io.metaflows3.core.api.ReadSplit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.sdk.io.range.OffsetRange;

/**
 * A split's ranges laid end to end on one line of positions, the space a read's restriction is cut in: range i
 * takes its bytes, then {@value #OPEN_COST} positions more (a request's cost in bytes' worth of time), so runners
 * balance work rather than bytes alone. A reader claims the position of what it emits before emitting it (an
 * object reader a range's start, a line reader each line's start, a Parquet reader each row group's midpoint),
 * so a restriction may be cut at any position, and what starts at a position is read by the one restriction
 * holding it.
 */
final class SplitPositions {
  static final long OPEN_COST = 64L << 10;

  /** What a restriction reads of range {@code index}: all of it, or the part whose positions it holds. */
  record Part(int index, ObjectRange range) {}

  private final List<ObjectRange> ranges;
  /** The first position of each range, then the end of the line. */
  private final long[] starts;

  SplitPositions(ReadSplit split) {
    ranges = split.ranges();
    starts = new long[ranges.size() + 1];
    for (int i = 0; i < ranges.size(); i++) {
      starts[i + 1] = starts[i] + ranges.get(i).length() + OPEN_COST;
    }
  }

  long end() {
    return starts[ranges.size()];
  }

  /** Range {@code index} of the split, whole. */
  ObjectRange range(int index) {
    return ranges.get(index);
  }

  /** The position of byte {@code offset} of the object of range {@code index}. */
  long position(int index, long offset) {
    return starts[index] + offset - ranges.get(index).start();
  }

  /**
   * What {@code restriction} reads: with {@code divisible} (readers claiming within ranges) the part of each
   * range whose bytes' positions it holds; without, the whole ranges whose first position it holds (so too an
   * empty range, which has no bytes, with {@code divisible}).
   */
  List<Part> parts(OffsetRange restriction, boolean divisible) {
    List<Part> parts = new ArrayList<>();
    int first = Arrays.binarySearch(starts, 0, ranges.size(), restriction.getFrom());
    for (int i = first >= 0 ? first : Math.max(0, -first - 2);
        i < ranges.size() && starts[i] < restriction.getTo(); i++) {
      ObjectRange range = ranges.get(i);
      if (divisible && range.length() > 0) {
        long from = Math.max(restriction.getFrom() - starts[i], 0);
        long to = Math.min(restriction.getTo() - starts[i], range.length());
        if (from < to) {
          parts.add(new Part(i, range.slice(range.start() + from, range.start() + to)));
        }
      } else if (starts[i] >= restriction.getFrom()) {
        parts.add(new Part(i, range));
      }
    }
    return parts;
  }

  /**
   * Cuts {@code restriction} into consecutive pieces of about {@code size} positions: anywhere when
   * {@code divisible}, else at range starts only (a piece then ends at the first range start past its size).
   */
  List<OffsetRange> pieces(OffsetRange restriction, long size, boolean divisible) {
    List<OffsetRange> pieces = new ArrayList<>();
    long from = restriction.getFrom();
    while (restriction.getTo() - from > size) {
      long cut = divisible ? from + size : firstStartFrom(from + size);
      if (cut >= restriction.getTo()) {
        break;
      }
      pieces.add(new OffsetRange(from, cut));
      from = cut;
    }
    pieces.add(new OffsetRange(from, restriction.getTo()));
    return pieces;
  }

  private long firstStartFrom(long position) {
    int i = Arrays.binarySearch(starts, position);
    return starts[i >= 0 ? i : -i - 1];
  }
}
