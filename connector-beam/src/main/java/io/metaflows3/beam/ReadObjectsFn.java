package io.metaflows3.beam;

import io.metaflows3.core.api.ObjectBytes;
import io.metaflows3.core.api.ObjectRange;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Object;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.core.api.S3Url;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Emits each range as a {@link MetaflowS3Object}: a whole object, or a byte chunk of a large one, read into
 * memory in parallel parts (the element holds the bytes anyway, so a temp file would only add a copy). The
 * ranges of a restriction are fetched ahead, up to {@value #AHEAD} or {@value #AHEAD_BYTES} bytes in flight, so a
 * split of many small objects waits for one round trip, not one per object; emitted in order all the same.
 */
final class ReadObjectsFn extends ReadSplitFn<MetaflowS3Object> {
  static final int AHEAD = 32;
  static final long AHEAD_BYTES = 128L << 20;

  /** A range being fetched. */
  private record Pending(ObjectRange range, CompletableFuture<ObjectBytes> bytes) {}

  private transient Deque<Pending> pending;
  private transient Iterator<ObjectRange> upcoming;
  private transient long bytesInFlight;

  ReadObjectsFn(S3Settings settings) {
    super(settings);
  }

  @Override
  void start(S3 s3, List<ObjectRange> ranges) {
    pending = new ArrayDeque<>();
    upcoming = ranges.iterator();
    bytesInFlight = 0;
  }

  @Override
  boolean divisible() {
    return false;
  }

  @Override
  boolean read(S3 s3, ObjectRange range, Claim claim, Consumer<MetaflowS3Object> emit) {
    if (!claim.at(range.start())) {
      return false;
    }
    while (upcoming.hasNext() && (pending.isEmpty()
        || pending.size() < AHEAD && bytesInFlight < AHEAD_BYTES)) {
      ObjectRange next = upcoming.next();
      pending.add(new Pending(next, s3.readRangeAsync(next)));
      bytesInFlight += next.length();
    }
    Pending head = pending.poll();
    if (head == null || !head.range().equals(range)) {
      throw new IllegalStateException("ranges claimed out of order: " + range);
    }
    bytesInFlight -= range.length();
    ObjectBytes read = S3.await(head.bytes());
    S3Object info = read.info();
    emit.accept(new MetaflowS3Object(range.url(), S3Url.parse(range.url()).key(), range.size(), range.start(),
        range.length(), info.contentType().orElse(""), info.metadata(), info.lineage(),
        read.bytes()));
    return true;
  }

  @Override
  void finish() {
    if (pending != null) {
      pending.forEach(p -> p.bytes().cancel(false));
      pending = null;
    }
  }
}
