package io.metaflows3.core.transfer;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import org.reactivestreams.Subscriber;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.core.async.SdkPublisher;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * A GET whose body goes somewhere of the subclass's choosing (a file position, an array slice) and whose
 * result is the response itself. Completes only when every byte the headers announced has arrived; a shorter
 * body fails with a retryable {@link TruncatedBodyException}.
 */
public abstract class BodyTransformer implements AsyncResponseTransformer<GetObjectResponse, GetObjectResponse> {
  private volatile CompletableFuture<GetObjectResponse> result;
  private volatile GetObjectResponse response;

  /** The subscriber that takes the body's buffers. */
  public abstract Subscriber<ByteBuffer> bodyTaker();

  @Override
  public final CompletableFuture<GetObjectResponse> prepare() {
    result = new CompletableFuture<>();
    return result;
  }

  @Override
  public final void onResponse(GetObjectResponse r) {
    response = r;
  }

  @Override
  public final void onStream(SdkPublisher<ByteBuffer> publisher) {
    publisher.subscribe(bodyTaker());
  }

  @Override
  public final void exceptionOccurred(Throwable error) {
    fail(error);
  }

  /** The Content-Length announced, or -1 when the response gave none. */
  public final long announcedLength() {
    GetObjectResponse r = response;
    return r == null || r.contentLength() == null ? -1 : r.contentLength();
  }

  /** Completes once the body has ended with {@code received} bytes all stored. */
  public final void complete(long received) {
    long expected = announcedLength();
    if (expected >= 0 && expected != received) {
      fail(new TruncatedBodyException(expected, received));
    } else {
      result.complete(response);
    }
  }

  public final void fail(Throwable error) {
    if (result != null) {
      result.completeExceptionally(error);
    }
  }
}
