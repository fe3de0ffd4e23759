package io.metaflows3.core;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.core.async.SdkPublisher;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * Copies a GET's body into its slice of a caller's array as it arrives, so the parts of a range land in one
 * array with no buffer growing and no copy at the end. The slice is allocated already, so no back-pressure
 * is needed. A body longer than the slice, or shorter than its Content-Length, fails (the latter is retried).
 */
final class ArraySliceTransformer implements AsyncResponseTransformer<GetObjectResponse, GetObjectResponse> {
  private final byte[] target;
  private final int offset;
  private final int capacity;
  private volatile CompletableFuture<GetObjectResponse> result;
  private volatile GetObjectResponse response;

  ArraySliceTransformer(byte[] target, int offset, int capacity) {
    this.target = target;
    this.offset = offset;
    this.capacity = capacity;
  }

  @Override
  public CompletableFuture<GetObjectResponse> prepare() {
    result = new CompletableFuture<>();
    return result;
  }

  @Override
  public void onResponse(GetObjectResponse r) {
    response = r;
  }

  @Override
  public void onStream(SdkPublisher<ByteBuffer> publisher) {
    publisher.subscribe(new Subscriber<ByteBuffer>() {
      private Subscription subscription;
      private int received;

      @Override
      public void onSubscribe(Subscription s) {
        subscription = s;
        s.request(Long.MAX_VALUE);
      }

      @Override
      public void onNext(ByteBuffer buffer) {
        int n = buffer.remaining();
        if (received + n > capacity) {
          subscription.cancel();
          result.completeExceptionally(new IllegalStateException(
              "response body longer than the " + capacity + " bytes asked for"));
          return;
        }
        buffer.get(target, offset + received, n);
        received += n;
      }

      @Override
      public void onError(Throwable t) {
        result.completeExceptionally(t);
      }

      @Override
      public void onComplete() {
        Long expected = response == null ? null : response.contentLength();
        if (expected != null && expected != received) {
          result.completeExceptionally(new TruncatedBodyException(expected, received));
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
