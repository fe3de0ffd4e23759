package io.metaflows3.core.transfer;

import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.CompletionHandler;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * Writes a GET's body into a shared file at a fixed position, so the byte ranges of one object land in one
 * file in parallel. Disk writes run on the file channel's own threads, a bounded number at a time, so the
 * HTTP event loop never waits for the disk and memory stays bounded. A body shorter than its Content-Length
 * fails with a retryable {@link TruncatedBodyException}.
 */
public final class PositionalFileTransformer extends BodyTransformer {
  private final AsynchronousFileChannel channel;
  private final long position;
  private final TransferCounters stats;

  PositionalFileTransformer(AsynchronousFileChannel channel, long position, TransferCounters stats) {
    this.channel = channel;
    this.position = position;
    this.stats = stats;
  }

  @Override
  public Subscriber<ByteBuffer> bodyTaker() {
    return new BodyWriter();
  }

  /**
   * Copies the body's small network buffers into batches of up to {@link #BATCH} bytes and writes each batch
   * at its place: one disk write per batch instead of one per network read (8 KiB), which is what kept large
   * downloads at a third of the wire's speed. At most {@link #MAX_PENDING} batches wait for the disk; the next
   * network buffer is requested only below that, so memory per body stays bounded. Completes when the body
   * has ended and every write is done.
   */
  private final class BodyWriter implements Subscriber<ByteBuffer> {
    private static final int BATCH = 256 * 1024;
    private static final int MAX_PENDING = 4;
    /** Network buffers asked for ahead: asking one at a time leaves the socket idle between reads. */
    private static final int DEMAND = 64;
    private Subscription subscription;
    private int demand;
    private ByteBuffer batch;
    private long batched;
    private int pending;
    private boolean owed;
    private boolean ended;
    private boolean failed;

    @Override
    public void onSubscribe(Subscription s) {
      subscription = s;
      demand = DEMAND;
      s.request(DEMAND);
    }

    @Override
    public void onNext(ByteBuffer buffer) {
      while (buffer.hasRemaining()) {
        if (batch == null) {
          batch = ByteBuffer.allocate(batchSize());
        }
        int n = Math.min(batch.remaining(), buffer.remaining());
        batch.put(buffer.slice(buffer.position(), n));
        buffer.position(buffer.position() + n);
        if (!batch.hasRemaining()) {
          flush();
        }
      }
      int more = 0;
      synchronized (this) {
        demand--;
        owed = pending >= MAX_PENDING;
        if (!owed && demand <= DEMAND / 2) {
          more = DEMAND - demand;
          demand = DEMAND;
        }
      }
      if (more > 0) {
        subscription.request(more);
      }
    }

    /** A batch never exceeds what is left of the body, so a small object costs one buffer of its own size. */
    private int batchSize() {
      long length = announcedLength();
      return length < 0 ? BATCH : (int) Math.max(1, Math.min(BATCH, length - batched));
    }

    private void flush() {
      ByteBuffer full = batch.flip();
      batch = null;
      long at = position + batched;
      batched += full.remaining();
      synchronized (this) {
        pending++;
      }
      write(full, at);
    }

    private void write(ByteBuffer buffer, long at) {
      channel.write(buffer, at, null, new CompletionHandler<Integer, Void>() {
        @Override
        public void completed(Integer n, Void attachment) {
          stats.bytesRead.addAndGet(n);
          if (buffer.hasRemaining()) {
            write(buffer, at + n);
            return;
          }
          boolean finish;
          int more = 0;
          synchronized (BodyWriter.this) {
            pending--;
            finish = ended && pending == 0 && !failed;
            if (owed && !ended && !failed) {
              owed = false;
              more = DEMAND - demand;
              demand = DEMAND;
            }
          }
          if (finish) {
            finish();
          } else if (more > 0) {
            subscription.request(more);
          }
        }

        @Override
        public void failed(Throwable error, Void attachment) {
          synchronized (BodyWriter.this) {
            failed = true;
          }
          subscription.cancel();
          fail(error);
        }
      });
    }

    @Override
    public void onError(Throwable t) {
      fail(t);
    }

    @Override
    public void onComplete() {
      if (batch != null && batch.position() > 0) {
        flush();
      }
      boolean finish;
      synchronized (this) {
        ended = true;
        finish = pending == 0 && !failed;
      }
      if (finish) {
        finish();
      }
    }

    private void finish() {
      complete(batched);
    }
  }
}
