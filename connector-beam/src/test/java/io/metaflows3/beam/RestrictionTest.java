package io.metaflows3.beam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.metaflows3.core.ObjectRange;
import io.metaflows3.core.ReadSplit;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.beam.sdk.io.range.OffsetRange;
import org.apache.beam.sdk.transforms.splittabledofn.OffsetRangeTracker;
import org.apache.beam.sdk.transforms.splittabledofn.SplitResult;
import org.junit.jupiter.api.Test;

/**
 * The restriction logic of reads: the initial pieces cover a split's ranges once each, and a runner splitting
 * any piece at any point while it runs (Beam's tracker, as the DirectRunner and Dataflow do) loses no range and
 * reads none twice.
 */
class RestrictionTest {
  private static ReadSplit split(Random random, int ranges) {
    List<ObjectRange> list = new ArrayList<>();
    for (int i = 0; i < ranges; i++) {
      long size = random.nextInt(4) == 0 ? 40L << 20 : 1 + random.nextInt(1 << 20);
      list.add(new ObjectRange("s3://b/o" + i, size, "e", 0, size, null));
    }
    return new ReadSplit(list);
  }

  @Test
  void initialPiecesCoverEveryRangeOnceAndStayNearTheirSize() {
    Random random = new Random(7);
    for (int n : new int[] {1, 2, 17, 300}) {
      ReadSplit s = split(random, n);
      List<OffsetRange> pieces = ReadSplitFn.pieces(s, new OffsetRange(0, n));
      long next = 0;
      for (OffsetRange p : pieces) {
        assertEquals(next, p.getFrom(), "pieces are consecutive");
        assertTrue(p.getTo() > p.getFrom(), "no empty piece");
        long bytes = 0;
        for (long i = p.getFrom(); i < p.getTo() - 1; i++) {
          bytes += s.ranges().get((int) i).length();
        }
        assertTrue(bytes < ReadSplitFn.INITIAL_PIECE_BYTES, "a piece ends at the range that reaches the size");
        next = p.getTo();
      }
      assertEquals(n, next, "pieces cover the split");
    }
  }

  @Test
  void splittingAPieceAnywhereWhileItRunsReadsEachRangeOnce() {
    Random random = new Random(11);
    ReadSplit s = split(random, 120);
    for (double fraction : new double[] {0.0, 0.1, 0.5, 0.99}) {
      for (int claimedFirst = 0; claimedFirst < 5; claimedFirst++) {
        List<Long> read = new ArrayList<>();
        for (OffsetRange piece : ReadSplitFn.pieces(s, new OffsetRange(0, 120))) {
          OffsetRangeTracker tracker = new OffsetRangeTracker(piece);
          long i = piece.getFrom();
          boolean done = false;
          for (int k = 0; k < claimedFirst && !done; k++) {
            done = !tracker.tryClaim(i);
            if (!done) {
              read.add(i++);
            }
          }
          SplitResult<OffsetRange> parts = done ? null : tracker.trySplit(fraction);
          while (!done && tracker.tryClaim(i)) {
            read.add(i++);
          }
          if (parts != null) {
            OffsetRangeTracker residual = new OffsetRangeTracker(parts.getResidual());
            for (long j = parts.getResidual().getFrom(); residual.tryClaim(j); j++) {
              read.add(j);
            }
          }
        }
        assertEquals(120, read.size(), "fraction " + fraction + ", claimed " + claimedFirst);
        assertEquals(120, read.stream().distinct().count(), "no range read twice");
      }
    }
  }
}
