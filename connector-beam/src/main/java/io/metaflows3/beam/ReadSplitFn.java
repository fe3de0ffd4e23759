package io.metaflows3.beam;

import io.metaflows3.core.ObjectRange;
import io.metaflows3.core.ReadSplit;
import io.metaflows3.core.S3;
import io.metaflows3.core.S3Settings;
import java.util.List;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.io.range.OffsetRange;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.apache.beam.sdk.transforms.splittabledofn.OffsetRangeTracker;
import org.apache.beam.sdk.transforms.splittabledofn.RestrictionTracker;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A splittable DoFn over a {@link ReadSplit}: the restriction indexes the split's object ranges, so a runner
 * can hand the ranges not yet read to another worker. Subclasses turn one range into elements. A range that
 * fails to read goes to the bad-record router: thrown (the default), or recorded for an {@code ErrorHandler}
 * with the range and the error, and the read goes on.
 */
abstract class ReadSplitFn<T> extends DoFn<ReadSplit, T> {
  static final long INITIAL_PIECE_BYTES = 16L << 20;
  /** The elements read; bad records go to {@link BadRecordRouter#BAD_RECORD_TAG}. */
  final TupleTag<T> elements = new TupleTag<>();
  private final S3Settings settings;
  private BadRecordRouter router = BadRecordRouter.THROWING_ROUTER;
  private transient S3 s3;
  private transient long[] reported;

  ReadSplitFn(S3Settings settings) {
    this.settings = settings;
  }

  /**
   * Applies this DoFn to {@code splits}: its elements, with ranges that fail to read going to {@code handler}
   * (null: the read fails, as without one).
   */
  PCollection<T> applyTo(PCollection<ReadSplit> splits, String name, @Nullable ErrorHandler<BadRecord, ?> handler) {
    router = handler == null ? BadRecordRouter.THROWING_ROUTER : BadRecordRouter.RECORDING_ROUTER;
    PCollectionTuple out = splits.apply(name,
        ParDo.of(this).withOutputTags(elements, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG)));
    PCollection<BadRecord> bad = out.get(BadRecordRouter.BAD_RECORD_TAG)
        .setCoder(BadRecord.getCoder(splits.getPipeline()));
    if (handler != null) {
      handler.addErrorCollection(bad);
    }
    return out.get(elements);
  }

  /** Emits the elements of one range. */
  abstract void read(S3 s3, ObjectRange range, OutputReceiver<T> out);

  @Setup
  public void setup() {
    s3 = S3.builder().settings(settings).build();
    reported = new long[2];
  }

  @GetInitialRestriction
  public OffsetRange initialRestriction(@Element ReadSplit split) {
    return new OffsetRange(0, split.ranges().size());
  }

  /**
   * Cuts a split's restriction into pieces of about {@value #INITIAL_PIECE_BYTES} bytes before it runs, for
   * runners that do not split restrictions while they run (Flink's, Spark's): their parallelism then comes
   * from pieces, not from whole splits. Every range is in exactly one piece.
   */
  @SplitRestriction
  public void splitRestriction(@Element ReadSplit split, @Restriction OffsetRange restriction,
      OutputReceiver<OffsetRange> out) {
    pieces(split, restriction).forEach(out::output);
  }

  /** The pieces {@link #splitRestriction} makes: consecutive, covering the restriction, each range once. */
  static List<OffsetRange> pieces(ReadSplit split, OffsetRange restriction) {
    List<OffsetRange> pieces = new java.util.ArrayList<>();
    long from = restriction.getFrom();
    long bytes = 0;
    for (long i = restriction.getFrom(); i < restriction.getTo(); i++) {
      bytes += split.ranges().get((int) i).length();
      if (bytes >= INITIAL_PIECE_BYTES && i + 1 < restriction.getTo()) {
        pieces.add(new OffsetRange(from, i + 1));
        from = i + 1;
        bytes = 0;
      }
    }
    pieces.add(new OffsetRange(from, restriction.getTo()));
    return pieces;
  }

  @NewTracker
  public OffsetRangeTracker newTracker(@Restriction OffsetRange restriction) {
    return new OffsetRangeTracker(restriction);
  }

  /** Bytes still to read, so runners balance by bytes rather than by object count. */
  @GetSize
  public double size(@Element ReadSplit split, @Restriction OffsetRange restriction) {
    long bytes = 0;
    for (long i = restriction.getFrom(); i < restriction.getTo(); i++) {
      bytes += split.ranges().get((int) i).length();
    }
    return bytes;
  }

  /** Called before the ranges of a restriction are read, in order, with all of them; by default nothing. */
  void start(S3 s3, List<ObjectRange> ranges) {}

  /** Called when a restriction is done or stopped early (a split, a failure); by default nothing. */
  void finish() {}

  @ProcessElement
  public void process(@Element ReadSplit split, RestrictionTracker<OffsetRange, Long> tracker,
      MultiOutputReceiver out) throws Exception {
    OffsetRange restriction = tracker.currentRestriction();
    start(s3, split.ranges().subList((int) restriction.getFrom(), (int) restriction.getTo()));
    try {
      for (long i = restriction.getFrom(); tracker.tryClaim(i); i++) {
        ObjectRange range = split.ranges().get((int) i);
        try {
          read(s3, range, out.get(elements));
        } catch (RuntimeException e) {
          router.route(out, range, SerializableCoder.of(ObjectRange.class), e, "cannot read " + range.url()
              + " bytes " + range.start() + "-" + range.end());
          continue;
        }
        S3Metrics.RANGES_READ.inc();
        S3Metrics.BYTES_READ.inc(range.length());
      }
    } finally {
      finish();
    }
    reported = S3Metrics.report(s3.stats(), reported);
  }

  @Teardown
  public void teardown() {
    if (s3 != null) {
      s3.close();
    }
  }
}
