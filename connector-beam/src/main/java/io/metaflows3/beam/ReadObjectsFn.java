package io.metaflows3.beam;

import io.metaflows3.core.S3;
import io.metaflows3.core.api.ObjectBytes;
import io.metaflows3.core.api.ObjectRange;
import io.metaflows3.core.api.S3Object;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.core.api.S3Url;
import io.metaflows3.core.metaflow.MetaflowS3Exception;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Emits each object as a {@link MetaflowS3Object}: whole when it is at most {@value #CHUNK_BYTES} bytes, else as
 * chunks that start at multiples of that size (and at the start of a planned range), read into memory in parallel
 * parts (the element holds the bytes anyway, so a temp file would only add a copy); whichever restriction holds a
 * chunk's start reads all of it. A chunk that fails to read is a bad range of its own, and the read goes on. Chunks are fetched ahead, up to {@value #AHEAD} or {@value #AHEAD_BYTES} bytes in
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
  /** The ETag each object was first read at in this restriction, for objects not listed with one. */
  private transient Map<String, String> versions;
  private transient List<Failure> failures;

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
      // The first chunk start at or after the part's start: the bytes before it belong to the chunk before.
      long from = held.start() == whole.start() ? whole.start()
          : (held.start() + chunkBytes - 1) / chunkBytes * chunkBytes;
      for (long at = from; at < held.end(); at = (at / chunkBytes + 1) * chunkBytes) {
        planned.add(new Chunk(i, whole, at, Math.min(whole.end(), (at / chunkBytes + 1) * chunkBytes)));
      }
    }
    pending = new ArrayDeque<>();
    chunks = planned;
    nextToFetch = 0;
    bytesInFlight = 0;
    part = -1;
    versions = new HashMap<>();
    failures = new ArrayList<>();
  }

  @Override
  boolean divisible() {
    return true;
  }

  @Override
  boolean read(S3 s3, ObjectRange range, Claim claim, Consumer<MetaflowS3Object> emit) {
    part++;
    while (fetchAhead(s3) && pending.peek().chunk().part() == part) {
      Chunk chunk = pending.peek().chunk();
      if (!claim.at(chunk.start())) {
        return false;
      }
      Pending head = pending.poll();
      bytesInFlight -= chunk.end() - chunk.start();
      ObjectBytes read;
      try {
        read = checkedVersion(chunk, S3.await(head.bytes()));
      } catch (RuntimeException e) {
        failures.add(new Failure(chunk.range(), e));
        continue;
      }
      S3Object info = read.info();
      ObjectRange whole = chunk.whole();
      emit.accept(new MetaflowS3Object(whole.url(), S3Url.parse(whole.url()).key(), whole.size(), chunk.start(),
          chunk.end() - chunk.start(), info.contentType().orElse(""), info.metadata(), info.lineage(),
          read.bytes()));
    }
    return true;
  }

  /**
   * The chunk as read, unless its object changed since another chunk of it was read here: an object listed with
   * an ETag is read at that version anyway; one given without (a file matched by Beam) at its first chunk's.
   */
  private ObjectBytes checkedVersion(Chunk chunk, ObjectBytes read) {
    String etag = read.info().etag().orElse(null);
    if (chunk.whole().etag() == null && etag != null) {
      String first = versions.putIfAbsent(chunk.whole().url(), etag);
      if (first != null && !first.equals(etag)) {
        throw new MetaflowS3Exception("object replaced while being read (ETag " + first + ", then " + etag + ")",
            chunk.whole().url());
      }
    }
    return read;
  }

  @Override
  List<Failure> takeFailures() {
    List<Failure> taken = failures;
    failures = new ArrayList<>();
    return taken;
  }

  /** Starts fetching up to the in-flight limits; false when there is nothing left to read. */
  private boolean fetchAhead(S3 s3) {
    while (nextToFetch < chunks.size() && (pending.isEmpty()
        || pending.size() < AHEAD && bytesInFlight < AHEAD_BYTES)) {
      Chunk next = chunks.get(nextToFetch++);
      CompletableFuture<ObjectBytes> bytes;
      try {
        bytes = s3.readRangeAsync(next.range());
      } catch (RuntimeException e) {
        bytes = CompletableFuture.failedFuture(e); // the chunk's own failure, met when it is its turn
      }
      pending.add(new Pending(next, bytes));
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
