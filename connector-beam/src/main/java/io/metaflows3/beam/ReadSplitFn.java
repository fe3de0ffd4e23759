package io.metaflows3.beam;

import io.metaflows3.core.api.ObjectRange;
import io.metaflows3.core.api.ReadSplit;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Settings;
import java.util.List;
import java.util.function.Consumer;
import org.apache.beam.sdk.io.range.OffsetRange;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.apache.beam.sdk.transforms.splittabledofn.OffsetRangeTracker;
import org.apache.beam.sdk.transforms.splittabledofn.RestrictionTracker;
import org.apache.beam.sdk.transforms.splittabledofn.WatermarkEstimators;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * A splittable DoFn over a {@link ReadSplit}: the restriction is an offset range over the split's
 * {@link SplitPositions} (its ranges' bytes end to end, plus a cost per range), and a reader claims the position
 * of each record before it emits it, so a runner can split a restriction at any point, inside a large range too.
 * Subclasses turn one range (or the part of it a restriction holds) into elements. A range that fails to read
 * goes to the bad-record router: thrown (the default), or recorded for an {@code ErrorHandler} with the range and
 * the error, and the read goes on; a failure downstream of the read is never taken for a bad range.
 */
abstract class ReadSplitFn<T> extends DoFn<ReadSplit, T> {
  static final long INITIAL_PIECE_BYTES = 16L << 20;
  /** The elements read; bad records go to {@link BadRecordRouter#BAD_RECORD_TAG}. */
  final TupleTag<T> elements = new TupleTag<>();
  private final S3Settings settings;
  private BadRecordRouter router = BadRecordRouter.THROWING_ROUTER;
  private transient S3 s3;
  private transient long[] reported;

  /** Claims an object offset of the range being read; false: it belongs to another restriction, stop. */
  interface Claim {
    boolean at(long offset);
  }

  ReadSplitFn(S3Settings settings) {
    this.settings = settings;
  }

  /**
   * Applies this DoFn to {@code splits}: its elements, with ranges that fail to read going to {@code handler}
   * (null: the read fails, as without one).
   */
  PCollection<T> applyTo(PCollection<ReadSplit> splits, String name, @Nullable ErrorHandler<BadRecord, ?> handler) {
    router = handler == null ? BadRecordRouter.THROWING_ROUTER : BadRecordRouter.RECORDING_ROUTER;
    if (handler == null) {
      // One output only (the throwing router never uses the other): a runner then fuses the consumer with the
      // read (Flink's does not chain an operator with two outputs, so every element would be serialized).
      return splits.apply(name, ParDo.of(this).withOutputTags(elements, TupleTagList.empty())).get(elements);
    }
    PCollectionTuple out = splits.apply(name,
        ParDo.of(this).withOutputTags(elements, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG)));
    handler.addErrorCollection(out.get(BadRecordRouter.BAD_RECORD_TAG)
        .setCoder(BadRecord.getCoder(splits.getPipeline())));
    return out.get(elements);
  }

  /** Whether this reader claims within ranges (so a restriction may hold part of one), or whole ranges. */
  abstract boolean divisible();

  /**
   * Emits the elements of {@code range} (with {@link #divisible()}, the part a restriction holds), claiming each
   * one's offset first; returns false when a claim was refused.
   */
  abstract boolean read(S3 s3, ObjectRange range, Claim claim, Consumer<T> emit);

  @Setup
  public void setup() {
    s3 = S3.builder().settings(settings).build();
    reported = new long[2];
    prepare();
  }

  /** Makes what the reader needs on the worker, once per DoFn instance; by default nothing. */
  void prepare() {}

  @GetInitialRestriction
  public OffsetRange initialRestriction(@Element ReadSplit split) {
    return new OffsetRange(0, new SplitPositions(split).end());
  }

  /**
   * Cuts a split's restriction into pieces of about {@value #INITIAL_PIECE_BYTES} before it runs, for runners
   * that do not split restrictions while they run (Flink's, Spark's): their parallelism then comes from pieces,
   * not from whole splits, and a large range of lines or row groups is read by several workers.
   */
  @SplitRestriction
  public void splitRestriction(@Element ReadSplit split, @Restriction OffsetRange restriction,
      OutputReceiver<OffsetRange> out) {
    new SplitPositions(split).pieces(restriction, INITIAL_PIECE_BYTES, divisible()).forEach(out::output);
  }

  @NewTracker
  public OffsetRangeTracker newTracker(@Restriction OffsetRange restriction) {
    return new OffsetRangeTracker(restriction);
  }

  /**
   * A restriction's output watermark is its split's timestamp, which no element it emits is earlier than (see
   * {@link #eventTime}); not Beam's default for splittable DoFns, the earliest time, which holds every window
   * downstream of a continuous read open. It does not follow the elements' times: a split's objects are in key
   * order, not in time order.
   */
  @GetInitialWatermarkEstimatorState
  public Instant initialWatermark(@Timestamp Instant timestamp) {
    return timestamp;
  }

  @NewWatermarkEstimator
  public WatermarkEstimators.Manual newWatermarkEstimator(@WatermarkEstimatorState Instant state) {
    return new WatermarkEstimators.Manual(state);
  }

  /** The positions still to read: bytes plus a cost per range, so runners balance by work. */
  @GetSize
  public double size(@Restriction OffsetRange restriction) {
    return restriction.getTo() - restriction.getFrom();
  }

  /**
   * Called before the ranges of a restriction are read, in order, with all of them: the parts the restriction
   * holds, and the whole ranges they are parts of; by default nothing.
   */
  void start(S3 s3, List<ObjectRange> parts, List<ObjectRange> wholes) {}

  /** A part of a range that failed to read while the rest of it was read. */
  record Failure(ObjectRange range, RuntimeException error) {}

  /**
   * The parts of the range just read that failed, the read having gone on past them (a reader of chunks); they
   * are bad ranges of their own. By default none: a reader's failure fails its whole range.
   */
  List<Failure> takeFailures() {
    return List.of();
  }

  /** Called when a restriction is done or stopped early (a split, a failure); by default nothing. */
  void finish() {}

  /**
   * Reads the restriction; each element's timestamp is its object's last-modified time, or the split's own
   * timestamp where that is later or the time is not known (Beam moves an element's timestamp only forward).
   */
  @ProcessElement
  public void process(@Element ReadSplit split, @Timestamp Instant timestamp,
      RestrictionTracker<OffsetRange, Long> tracker, MultiOutputReceiver out) throws Exception {
    OutputReceiver<T> receiver = out.get(elements);
    read(split, tracker, (element, range) -> receiver.outputWithTimestamp(element, eventTime(range, timestamp)),
        (range, e) -> router.route(out, range,
        SplitCoders.ranges(), e, "cannot read " + range.url() + " bytes " + range.start() + "-"
        + range.end()));
  }

  /** An element's timestamp: its object's last-modified time, or {@code timestamp} when later or that is unknown. */
  static Instant eventTime(ObjectRange range, Instant timestamp) {
    if (range.lastModified() == null) {
      return timestamp;
    }
    Instant modified = new Instant(range.lastModified().toEpochMilli());
    return modified.isAfter(timestamp) ? modified : timestamp;
  }

  /** Takes an element read from a range. */
  interface Emit<T> {
    void accept(T element, ObjectRange range);
  }

  /** Takes a range that failed to read. */
  interface BadRange {
    void take(ObjectRange range, RuntimeException error) throws Exception;
  }

  /**
   * Reads what the tracker's restriction holds of {@code split}, claiming as it goes, until all is read or a
   * claim is refused; a range that fails goes to {@code bad}, and the read goes on.
   */
  void read(ReadSplit split, RestrictionTracker<OffsetRange, Long> tracker, Emit<T> emit, BadRange bad)
      throws Exception {
    SplitPositions positions = new SplitPositions(split);
    List<SplitPositions.Part> parts = positions.parts(tracker.currentRestriction(), divisible());
    start(s3, parts.stream().map(SplitPositions.Part::range).toList(),
        parts.stream().map(part -> positions.range(part.index())).toList());
    try {
      for (SplitPositions.Part part : parts) {
        ObjectRange range = part.range();
        Consumer<T> output = element -> {
          try {
            emit.accept(element, range);
          } catch (RuntimeException e) {
            throw new DownstreamFailure(e);
          }
        };
        boolean[] claimed = {false};
        boolean more;
        try {
          more = read(s3, range, offset -> {
            claimed[0] = true;
            return tracker.tryClaim(positions.position(part.index(), offset));
          }, output);
        } catch (DownstreamFailure e) {
          throw e.getCause();
        } catch (RuntimeException e) {
          routeFailures(bad);
          // A bad record is output too, so it needs a claim: the part's start when the reader made none.
          if (!claimed[0] && !tracker.tryClaim(positions.position(part.index(), range.start()))) {
            return;
          }
          bad.take(range, e);
          continue;
        }
        routeFailures(bad);
        if (!more) {
          return; // the rest of the restriction was split off to another worker
        }
        S3Metrics.RANGES_READ.inc();
        S3Metrics.BYTES_READ.inc(range.length());
        S3Lineage.source(range.url());
      }
      tracker.tryClaim(Long.MAX_VALUE); // all read: marks the restriction done
    } finally {
      finish();
      reported = S3Metrics.report(s3.stats(), reported);
    }
  }

  private void routeFailures(BadRange bad) throws Exception {
    for (Failure f : takeFailures()) {
      bad.take(f.range(), f.error());
    }
  }

  /** A failure of the pipeline downstream of an output, carried past the bad-range handling unchanged. */
  private static final class DownstreamFailure extends RuntimeException {
    DownstreamFailure(RuntimeException cause) {
      super(cause);
    }

    @Override
    public synchronized RuntimeException getCause() {
      return (RuntimeException) super.getCause();
    }
  }

  @Teardown
  public void teardown() {
    if (s3 != null) {
      s3.close();
    }
  }
}
