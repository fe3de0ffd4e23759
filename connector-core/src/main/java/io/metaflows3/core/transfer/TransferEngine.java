package io.metaflows3.core.transfer;

import io.metaflows3.core.api.ByteRange;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.core.api.S3Url;
import io.metaflows3.core.api.TransferStats;
import java.net.URI;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3AsyncClientBuilder;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Error;

/**
 * The one place requests are sent: owns the SDK's async client, keeps at most {@code maxInFlight} requests
 * in flight, paces them to {@code maxBytesPerSecond} when set, and retries transient failures with full-jitter exponential backoff. Each method is one S3
 * request (plus its retries); composing them into transfers is the callers' job.
 */
public final class TransferEngine implements AutoCloseable {
  private final S3AsyncClient client;
  private final Credentials credentials;
  private final InFlightLimit queue;
  private final BandwidthLimit bandwidth;
  private final S3Settings settings;
  private final TransferCounters stats = new TransferCounters();

  public TransferEngine(S3Settings settings) {
    this.settings = settings;
    this.queue = new InFlightLimit(settings.maxInFlight());
    this.bandwidth = BandwidthLimit.of(settings.maxBytesPerSecond());
    S3AsyncClientBuilder b = S3AsyncClient.builder()
        .httpClientBuilder(TlsTrust.apply(NettyNioAsyncHttpClient.builder()
            .eventLoopGroup(SharedEventLoop.GROUP)
            .maxConcurrency(settings.maxInFlight())
            // An unreachable endpoint must fail in seconds (then retries decide), never wait minutes for a
            // connection (a refused connect can leave an acquisition waiting out this timeout); our own queue
            // keeps requests within maxConcurrency, so a healthy pool never needs to wait this long.
            .connectionTimeout(Duration.ofSeconds(5))
            .connectionAcquisitionTimeout(Duration.ofSeconds(10)), settings.verify()))
        // Retries are ours (below): one policy for every failure, truncated bodies included, and counted.
        .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())
            .addExecutionInterceptor(new NoDefaultContentType()))
        // No "Expect: 100-continue": some servers (moto) answer it in a way the SDK takes as a final HTTP 100,
        // and a refused body costs at most one single-put (<= multipartThreshold) of wasted upload.
        .serviceConfiguration(c -> c.expectContinueEnabled(false));
    if (settings.endpoint() != null) {
      b.endpointOverride(URI.create(settings.endpoint())).forcePathStyle(true);
    }
    if (settings.region() != null) {
      b.region(Region.of(settings.region()));
    } else if (settings.endpoint() != null) {
      b.region(Region.US_EAST_1); // S3-compatible stores accept any region; don't require one to be configured
    } else if (configuredRegion() == null) {
      // As boto3: S3 works without a configured region; requests to buckets elsewhere follow their region.
      b.region(Region.US_EAST_1).crossRegionAccessEnabled(true);
    }
    this.credentials = Credentials.of(settings);
    this.client = b.credentialsProvider(credentials.provider()).build();
  }

  /** The region the SDK's default chain finds (environment, profile, instance metadata), or null. */
  private static Region configuredRegion() {
    try {
      return new DefaultAwsRegionProviderChain().getRegion();
    } catch (SdkClientException e) {
      return null;
    }
  }

  /**
   * One set of daemon I/O threads for every client in the JVM: workers open and close clients often, and a
   * client owning its threads would pay Netty's two-second graceful shutdown on each close.
   */
  private static final class SharedEventLoop {
    static final SdkEventLoopGroup GROUP = SdkEventLoopGroup.builder()
        .numberOfThreads(2 * Runtime.getRuntime().availableProcessors())
        .threadFactory(runnable -> {
          Thread t = new Thread(runnable, "metaflow-s3-io");
          t.setDaemon(true);
          return t;
        })
        .build();
  }

  public S3Settings settings() {
    return settings;
  }

  public TransferStats stats() {
    return stats.snapshot();
  }

  public CompletableFuture<HeadObjectResponse> head(S3Url url) {
    return send(0, () -> client.headObject(r -> r.bucket(url.bucket()).key(url.key())));
  }

  public CompletableFuture<ListObjectsV2Response> listPage(S3Url prefix, String delimiter, String continuation) {
    return listPage(prefix, delimiter, continuation, null);
  }

  /** The same, starting after the key {@code startAfter} (null: from the first). */
  public CompletableFuture<ListObjectsV2Response> listPage(S3Url prefix, String delimiter, String continuation,
      String startAfter) {
    stats.listRequests.incrementAndGet();
    return send(0, () -> client.listObjectsV2(r -> r.bucket(prefix.bucket()).prefix(prefix.key())
        .delimiter(delimiter).continuationToken(continuation).startAfter(startAfter)));
  }

  /**
   * GETs {@code range} (null: all) of {@code url} into {@code channel} at {@code position}; {@code expected} is
   * the length the caller knows the body has (0 when it does not, as for a first range of unknown size).
   */
  public CompletableFuture<GetObjectResponse> getInto(S3Url url, ByteRange range, long expected, String ifMatch,
      AsynchronousFileChannel channel, long position) {
    return get(url, range, expected, ifMatch, () -> new PositionalFileTransformer(channel, position, stats));
  }

  /**
   * GETs {@code range} (null: all) of {@code url} into {@code target} from {@code offset}, at most
   * {@code capacity} bytes (its Content-Length tells how many arrived).
   */
  public CompletableFuture<GetObjectResponse> getIntoArray(S3Url url, ByteRange range, String ifMatch, byte[] target,
      int offset, int capacity) {
    return get(url, range, capacity, ifMatch, () -> new ArraySliceTransformer(target, offset, capacity))
        .thenApply(r -> {
          stats.bytesRead.addAndGet(r.contentLength());
          return r;
        });
  }

  /**
   * One GET, paced by the bandwidth limit for the {@code expected} bytes; a body longer than expected (one of
   * unknown length) is charged when it is in, so such GETs start at once only while no bytes are owed.
   */
  private CompletableFuture<GetObjectResponse> get(S3Url url, ByteRange range, long expected, String ifMatch,
      Supplier<AsyncResponseTransformer<GetObjectResponse, GetObjectResponse>> body) {
    stats.getRequests.incrementAndGet();
    GetObjectRequest request = GetObjectRequest.builder().bucket(url.bucket()).key(url.key())
        .range(range == null ? null : range.header()).ifMatch(ifMatch).build();
    return send(expected, () -> client.getObject(request, body.get()))
        .thenApply(r -> {
          bandwidth.charge(r.contentLength() - expected);
          return r;
        });
  }

  public CompletableFuture<PutObjectResponse> put(S3Url url, Supplier<AsyncRequestBody> body, long length,
      ObjectHeaders headers, boolean ifAbsent) {
    return send(length, () -> client.putObject(r -> r.bucket(url.bucket()).key(url.key())
        .contentType(headers.contentType()).metadata(headers.metadata())
        .serverSideEncryption(headers.encryptionType()).ssekmsKeyId(headers.kmsKeyId())
        .ifNoneMatch(ifAbsent ? "*" : null).contentLength(length),
        body.get()))
        .thenApply(r -> {
          stats.bytesWritten.addAndGet(length);
          return r;
        });
  }

  public CompletableFuture<String> createMultipart(S3Url url, ObjectHeaders headers) {
    return send(0, () -> client.createMultipartUpload(r -> r.bucket(url.bucket()).key(url.key())
        .contentType(headers.contentType()).metadata(headers.metadata())
        .serverSideEncryption(headers.encryptionType()).ssekmsKeyId(headers.kmsKeyId())))
        .thenApply(r -> r.uploadId());
  }

  public CompletableFuture<CompletedPart> uploadPart(S3Url url, String uploadId, int partNumber, Path file, long position,
      long length) {
    return send(length, () -> client.uploadPart(r -> r.bucket(url.bucket()).key(url.key()).uploadId(uploadId)
            .partNumber(partNumber).contentLength(length),
        AsyncRequestBody.fromFile(f -> f.path(file).position(position).numBytesToRead(length))))
        .thenApply(r -> {
          stats.bytesWritten.addAndGet(length);
          return CompletedPart.builder().partNumber(partNumber).eTag(r.eTag()).build();
        });
  }

  public CompletableFuture<String> completeMultipart(S3Url url, String uploadId, List<CompletedPart> parts,
      boolean ifAbsent) {
    return send(0, () -> client.completeMultipartUpload(r -> r.bucket(url.bucket()).key(url.key())
        .uploadId(uploadId).ifNoneMatch(ifAbsent ? "*" : null).multipartUpload(m -> m.parts(parts))))
        .thenApply(r -> r.eTag());
  }

  public CompletableFuture<Void> abortMultipart(S3Url url, String uploadId) {
    return send(0, () -> client.abortMultipartUpload(r -> r.bucket(url.bucket()).key(url.key())
        .uploadId(uploadId))).thenApply(r -> null);
  }

  /**
   * Deletes up to 1,000 keys of one bucket in one request (S3's DeleteObjects, quiet: only failures come back);
   * returns the keys S3 could not delete, with its error codes.
   */
  public CompletableFuture<List<S3Error>> deleteBatch(String bucket, List<String> keys) {
    List<ObjectIdentifier> ids = keys.stream().map(k -> ObjectIdentifier.builder().key(k).build()).toList();
    return send(0, () -> client.deleteObjects(r -> r.bucket(bucket).delete(d -> d.objects(ids).quiet(true))))
        .thenApply(r -> r.errors());
  }

  /**
   * Sends a request through the queue, paced by the bandwidth limit for the {@code bytes} it moves, retrying
   * transient failures; fails with the last error.
   */
  private <T> CompletableFuture<T> send(long bytes, Supplier<CompletableFuture<T>> request) {
    CompletableFuture<T> result = new CompletableFuture<>();
    attempt(() -> bandwidth.whenFree(bytes).thenCompose(free -> request.get()), 1, result, TaskRequests.current());
    return result;
  }

  /**
   * One attempt of a request, counted for the client and for {@code task} (the task that sent it, or null); the
   * result completes in the task's scope, so the requests that follow from it count for the task too.
   */
  private <T> void attempt(Supplier<CompletableFuture<T>> request, int attempt, CompletableFuture<T> result,
      TaskRequests task) {
    stats.requests.incrementAndGet();
    if (task != null) {
      task.requests.incrementAndGet();
    }
    queue.submit(request).whenComplete((value, error) -> {
      if (error == null) {
        TaskRequests.runAs(task, () -> result.complete(value));
      } else if (attempt < settings.maxAttempts() && Errors.isRetryable(error)) {
        stats.retries.incrementAndGet();
        if (task != null) {
          task.retries.incrementAndGet();
        }
        CompletableFuture.delayedExecutor(backoffMillis(attempt), TimeUnit.MILLISECONDS)
            .execute(() -> attempt(request, attempt + 1, result, task));
      } else {
        TaskRequests.runAs(task, () -> result.completeExceptionally(Errors.unwrap(error)));
      }
    });
  }

  /** Full jitter: uniform in [0, min(max, base * 2^attempt)], so retrying clients spread out. */
  private long backoffMillis(int attempt) {
    long cap = Math.min(settings.backoffMax().toMillis(), settings.backoffBase().toMillis() << Math.min(attempt, 20));
    return ThreadLocalRandom.current().nextLong(cap + 1);
  }

  @Override
  public void close() {
    client.close();
    credentials.close();
  }
}
