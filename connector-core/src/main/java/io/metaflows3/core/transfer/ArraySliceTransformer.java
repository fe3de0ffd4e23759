package io.metaflows3.core.transfer;

import java.nio.ByteBuffer;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * Copies a GET's body into its slice of a caller's array as it arrives, so the parts of a range land in one
 * array with no buffer growing and no copy at the end. The slice is allocated already, so no back-pressure
 * is needed. A body longer than the slice fails; one shorter than its Content-Length fails retryably.
 */
public final class ArraySliceTransformer extends BodyTransformer {
  private final byte[] target;
  private final int offset;
  private final int capacity;

  ArraySliceTransformer(byte[] target, int offset, int capacity) {
    this.target = target;
    this.offset = offset;
    this.capacity = capacity;
  }

  @Override
  public Subscriber<ByteBuffer> bodyTaker() {
    return new Subscriber<>() {
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
          fail(new IllegalStateException("response body longer than the " + capacity + " bytes asked for"));
          return;
        }
        buffer.get(target, offset + received, n);
        received += n;
      }

      @Override
      public void onError(Throwable t) {
        fail(t);
      }

      @Override
      public void onComplete() {
        complete(received);
      }
    };
  }
}
