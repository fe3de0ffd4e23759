package io.metaflows3.beam;

import io.metaflows3.core.S3;
import io.metaflows3.core.api.ObjectBytes;
import io.metaflows3.core.api.ObjectRange;
import io.metaflows3.core.api.S3Object;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.core.api.S3Url;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Emits each object as a {@link MetaflowS3Object}: whole when it is at most {@value #CHUNK_BYTES} bytes, else as
 * chunks of that size, read into memory in parallel parts (the element holds the bytes anyway, so a temp file
 * would only add a copy). Chunks lie on a grid from the start of their range, so whichever restriction holds a
 * chunk's start reads all of it. Chunks are fetched ahead, up to {@value #AHEAD} or {@value #AHEAD_BYTES} bytes in
 * flight, so a split of many small objects waits for one round trip, not one per object; emitted in order all the
 * same. What a read holds is bounded by these, whatever the objects' sizes.
 */
final class ReadObjectsFn extends ReadSplitFn<MetaflowS3Object> {
  static final long CHUNK_BYTES = 8L << 20;
  static final int AHEAD = 32;
  static final long AHEAD_BYTES = 32L << 20;

  /** Bytes {@code [start, end)} of the object of {@code whole}; {@code part}: the ordinal of its part. */
  private record Chunk(int part, ObjectRange whole, long start, long end) {
    ObjectRange range() {
      return whole.slice(start, end);
    }
  }

  /** A chunk being fetched. */
  private record Pending(Chunk chunk, CompletableFuture<ObjectBytes> bytes) {}

  private final long chunkBytes;
  private transient Deque<Pending> pending;
  private transient List<Chunk> chunks;
  private transient int nextToFetch;
  private transient long bytesInFlight;
  private transient int part;

  ReadObjectsFn(S3Settings settings) {
    this(settings, CHUNK_BYTES);
  }

  /** With chunks of another size (tests). */
  ReadObjectsFn(S3Settings settings, long chunkBytes) {
    super(settings);
    this.chunkBytes = chunkBytes;
  }

  @Override
  void start(S3 s3, List<ObjectRange> parts, List<ObjectRange> wholes) {
    List<Chunk> planned = new ArrayList<>();
    for (int i = 0; i < parts.size(); i++) {
      ObjectRange whole = wholes.get(i);
      ObjectRange held = parts.get(i);
      if (whole.length() == 0) {
        planned.add(new Chunk(i, whole, whole.start(), whole.start()));
        continue;
      }
      // The first grid point at or after the part's start: the bytes before it belong to the chunk before.
      long from = whole.start() + (held.start() - whole.start() + chunkBytes - 1) / chunkBytes * chunkBytes;
      for (long at = from; at < held.end(); at += chunkBytes) {
        planned.add(new Chunk(i, whole, at, Math.min(whole.end(), at + chunkBytes)));
      }
    }
    pending = new ArrayDeque<>();
    chunks = planned;
    nextToFetch = 0;
    bytesInFlight = 0;
    part = -1;
  }

  @Override
  boolean divisible() {
    return true;
  }

  @Override
  boolean read(S3 s3, ObjectRange range, Claim claim, Consumer<MetaflowS3Object> emit) {
    part++;
    try {
      while (fetchAhead(s3) && pending.peek().chunk().part() == part) {
        Chunk chunk = pending.peek().chunk();
        if (!claim.at(chunk.start())) {
          return false;
        }
        Pending head = pending.poll();
        bytesInFlight -= chunk.end() - chunk.start();
        ObjectBytes read = S3.await(head.bytes());
        S3Object info = read.info();
        ObjectRange whole = chunk.whole();
        emit.accept(new MetaflowS3Object(whole.url(), S3Url.parse(whole.url()).key(), whole.size(), chunk.start(),
            chunk.end() - chunk.start(), info.contentType().orElse(""), info.metadata(), info.lineage(),
            read.bytes()));
      }
      return true;
    } catch (RuntimeException e) {
      // The part is a bad range as a whole: the rest of its chunks are not read.
      while (!pending.isEmpty() && pending.peek().chunk().part() == part) {
        Pending dropped = pending.poll();
        dropped.bytes().cancel(false);
        bytesInFlight -= dropped.chunk().end() - dropped.chunk().start();
      }
      while (nextToFetch < chunks.size() && chunks.get(nextToFetch).part() == part) {
        nextToFetch++;
      }
      throw e;
    }
  }

  /** Starts fetching up to the in-flight limits; false when there is nothing left to read. */
  private boolean fetchAhead(S3 s3) {
    while (nextToFetch < chunks.size() && (pending.isEmpty()
        || pending.size() < AHEAD && bytesInFlight < AHEAD_BYTES)) {
      Chunk next = chunks.get(nextToFetch++);
      pending.add(new Pending(next, s3.readRangeAsync(next.range())));
      bytesInFlight += next.end() - next.start();
    }
    return !pending.isEmpty();
  }

  @Override
  void finish() {
    if (pending != null) {
      pending.forEach(p -> p.bytes().cancel(false));
      pending = null;
    }
  }
}
