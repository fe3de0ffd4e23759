package io.metaflows3.core;

import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.CompletionHandler;
import java.util.concurrent.CompletableFuture;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.core.async.SdkPublisher;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * Writes a GET's body into a shared file at a fixed position, so the byte ranges of one object land in one
 * file in parallel. Disk writes run on the file channel's own threads, a bounded number at a time, so the
 * HTTP event loop never waits for the disk and memory stays bounded. A body shorter than its Content-Length fails with a retryable {@link TruncatedBodyException}.
 */
final class PositionalFileTransformer implements AsyncResponseTransformer<GetObjectResponse, GetObjectResponse> {
  private final AsynchronousFileChannel channel;
  private final long position;
  private final TransferStats stats;
  private volatile CompletableFuture<GetObjectResponse> result;
  private volatile GetObjectResponse response;

  PositionalFileTransformer(AsynchronousFileChannel channel, long position, TransferStats stats) {
    this.channel = channel;
    this.position = position;
    this.stats = stats;
  }

  @Override
  public CompletableFuture<GetObjectResponse> prepare() {
    result = new CompletableFuture<>();
    return result;
  }

  @Override
  public void onResponse(GetObjectResponse r) {
    this.response = r;
  }

  @Override
  public void onStream(SdkPublisher<ByteBuffer> publisher) {
    publisher.subscribe(new BodyWriter());
  }

  @Override
  public void exceptionOccurred(Throwable error) {
    if (result != null) {
      result.completeExceptionally(error);
    }
  }

  /**
   * Writes each buffer at its place as it arrives, up to {@link #WINDOW} writes at a time (the next buffer is
   * requested when one finishes), and completes when the body has ended and every write is done.
   */
  private final class BodyWriter implements Subscriber<ByteBuffer> {
    private static final int WINDOW = 16;
    private Subscription subscription;
    private long received;
    private int pending;
    private boolean ended;
    private boolean failed;

    @Override
    public void onSubscribe(Subscription s) {
      subscription = s;
      s.request(WINDOW);
    }

    @Override
    public void onNext(ByteBuffer buffer) {
      long at;
      synchronized (this) {
        at = position + received;
        received += buffer.remaining();
        pending++;
      }
      write(buffer, at);
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
          synchronized (BodyWriter.this) {
            pending--;
            finish = ended && pending == 0 && !failed;
          }
          if (finish) {
            finish();
          } else {
            subscription.request(1);
          }
        }

        @Override
        public void failed(Throwable error, Void attachment) {
          synchronized (BodyWriter.this) {
            failed = true;
          }
          subscription.cancel();
          result.completeExceptionally(error);
        }
      });
    }

    @Override
    public void onError(Throwable t) {
      result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
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
      Long expected = response == null ? null : response.contentLength();
      long got;
      synchronized (this) {
        got = received;
      }
      if (expected != null && expected != got) {
        result.completeExceptionally(new TruncatedBodyException(expected, got));
      } else {
        result.complete(response);
      }
    }
  }
}
