package io.metaflows3.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.core.async.SdkPublisher;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * Writes a GET's body into a shared file at a fixed position, so the byte ranges of one object land in one
 * file in parallel. Counts the bytes and fails with a retryable {@link TruncatedBodyException} when the body
 * is shorter than its Content-Length, so a cut connection never leaves a silent hole.
 */
final class PositionalFileTransformer implements AsyncResponseTransformer<GetObjectResponse, GetObjectResponse> {
  private final FileChannel channel;
  private final long position;
  private final AtomicLong received = new AtomicLong();
  private final TransferStats stats;
  private volatile CompletableFuture<GetObjectResponse> result;
  private volatile GetObjectResponse response;

  PositionalFileTransformer(FileChannel channel, long position, TransferStats stats) {
    this.channel = channel;
    this.position = position;
    this.stats = stats;
  }

  @Override
  public CompletableFuture<GetObjectResponse> prepare() {
    result = new CompletableFuture<>();
    received.set(0);
    return result;
  }

  @Override
  public void onResponse(GetObjectResponse r) {
    this.response = r;
  }

  @Override
  public void onStream(SdkPublisher<ByteBuffer> publisher) {
    publisher.subscribe(new Subscriber<ByteBuffer>() {
      private Subscription subscription;

      @Override
      public void onSubscribe(Subscription s) {
        subscription = s;
        s.request(Long.MAX_VALUE);
      }

      @Override
      public void onNext(ByteBuffer buffer) {
        try {
          int n = buffer.remaining();
          long at = position + received.get();
          while (buffer.hasRemaining()) {
            at += channel.write(buffer, at);
          }
          received.addAndGet(n);
          stats.bytesRead.addAndGet(n);
        } catch (IOException e) {
          subscription.cancel();
          result.completeExceptionally(e);
        }
      }

      @Override
      public void onError(Throwable t) {
        result.completeExceptionally(t);
      }

      @Override
      public void onComplete() {
        Long expected = response == null ? null : response.contentLength();
        if (expected != null && expected != received.get()) {
          result.completeExceptionally(new TruncatedBodyException(expected, received.get()));
        } else {
          result.complete(response);
        }
      }
    });
  }

  @Override
  public void exceptionOccurred(Throwable error) {
    if (result != null) {
      result.completeExceptionally(error);
    }
  }
}
