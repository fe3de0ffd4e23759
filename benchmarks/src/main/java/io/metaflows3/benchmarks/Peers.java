package io.metaflows3.benchmarks;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.core.async.SdkPublisher;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.transfer.s3.S3TransferManager;

/** The peers a user would otherwise pick, each configured for the same server and credentials. */
final class Peers implements AutoCloseable {
  /** Whether the AWS CLI is installed (asked once: starting it costs a second). */
  final boolean hasAwsCli;
  private final URI endpoint;
  private final String bucket;
  private final StaticCredentialsProvider credentials;
  private final S3Client sync;
  private final S3AsyncClient crt;
  private final S3AsyncClient javaMultipart;
  private final S3AsyncClient raw;
  private final S3TransferManager crtTransfers;
  private final S3TransferManager javaTransfers;

  Peers(URI endpoint, String bucket, String accessKey, String secretKey) {
    this.hasAwsCli = awsCliInstalled();
    this.endpoint = endpoint;
    this.bucket = bucket;
    this.credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey));
    sync = S3Client.builder().endpointOverride(endpoint).forcePathStyle(true).region(Region.US_EAST_1)
        .credentialsProvider(credentials).build();
    crt = S3AsyncClient.crtBuilder().endpointOverride(endpoint).forcePathStyle(true).region(Region.US_EAST_1)
        .credentialsProvider(credentials).build();
    // The CRT's multipart upload fails against S3Proxy (Expect: 100-continue), so uploads use the SDK's own.
    javaMultipart = S3AsyncClient.builder().multipartEnabled(true).endpointOverride(endpoint).forcePathStyle(true)
        .region(Region.US_EAST_1).credentialsProvider(credentials).build();
    raw = S3AsyncClient.builder().httpClientBuilder(NettyNioAsyncHttpClient.builder().maxConcurrency(64))
        .serviceConfiguration(c -> c.expectContinueEnabled(false)).endpointOverride(endpoint).forcePathStyle(true).region(Region.US_EAST_1).credentialsProvider(credentials)
        .build();
    crtTransfers = S3TransferManager.builder().s3Client(crt).build();
    javaTransfers = S3TransferManager.builder().s3Client(javaMultipart).build();
  }

  /** A plain loop over the sync client: one object after another, into files. */
  Measurement.Work sdkLoopDownload(List<String> keys, Path into) {
    long bytes = 0;
    int i = 0;
    for (String key : keys) {
      GetObjectResponse r = sync.getObject(b -> b.bucket(bucket).key(key), ResponseTransformer.toFile(
          into.resolve("f" + i++)));
      bytes += r.contentLength();
    }
    return new Measurement.Work(keys.size(), bytes);
  }

  Measurement.Work sdkLoopUpload(String prefix, List<Path> files) throws IOException {
    long bytes = 0;
    int i = 0;
    for (Path f : files) {
      String key = prefix + "f" + i++;
      sync.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromFile(f));
      bytes += Files.size(f);
    }
    return new Measurement.Work(files.size(), bytes);
  }

  /** Lists each prefix in turn with the sync paginator, as a hand-written loop does. */
  Measurement.Work sdkLoopList(List<String> prefixes, String delimiter) {
    long n = 0;
    for (String p : prefixes) {
      for (var page : sync.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(p).delimiter(delimiter))) {
        n += page.contents().size() + page.commonPrefixes().size();
      }
    }
    return new Measurement.Work(n, 0);
  }

  /** The ceiling: requests in flight (64) on the raw async client, bodies discarded, nothing else done. */
  Measurement.Work ceiling(List<String> keys, List<long[]> ranges) {
    Semaphore inFlight = new Semaphore(64);
    List<CompletableFuture<Long>> all = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      String key = keys.get(i);
      long[] range = ranges == null ? null : ranges.get(i);
      inFlight.acquireUninterruptibly();
      all.add(raw.getObject(b -> b.bucket(bucket).key(key)
              .range(range == null ? null : "bytes=" + range[0] + "-" + (range[0] + range[1] - 1)), new Discard())
          .whenComplete((v, e) -> inFlight.release()));
    }
    long bytes = all.stream().mapToLong(CompletableFuture::join).sum();
    return new Measurement.Work(keys.size(), bytes);
  }

  /** The put ceiling: PUTs of the files' bytes, 64 in flight on the raw async client, nothing else done. */
  Measurement.Work putCeiling(String prefix, List<Path> files) throws IOException {
    Semaphore inFlight = new Semaphore(64);
    List<CompletableFuture<?>> all = new ArrayList<>();
    long bytes = 0;
    for (int i = 0; i < files.size(); i++) {
      String key = prefix + "f" + i;
      Path file = files.get(i);
      bytes += Files.size(file);
      inFlight.acquireUninterruptibly();
      all.add(raw.putObject(b -> b.bucket(bucket).key(key), AsyncRequestBody.fromFile(file))
          .whenComplete((v, e) -> inFlight.release()));
    }
    all.forEach(CompletableFuture::join);
    return new Measurement.Work(files.size(), bytes);
  }

  Measurement.Work downloadDirectory(String prefix, Path into, long objects, long bytes) {
    var done = crtTransfers.downloadDirectory(b -> b.bucket(bucket)
        .listObjectsV2RequestTransformer(l -> l.prefix(prefix)).destination(into)).completionFuture().join();
    if (!done.failedTransfers().isEmpty()) {
      throw new IllegalStateException("downloadDirectory failed: " + done.failedTransfers().get(0).exception());
    }
    return new Measurement.Work(objects, bytes);
  }

  Measurement.Work uploadDirectory(Path dir, String prefix, long objects, long bytes) {
    var done = crtTransfers.uploadDirectory(b -> b.source(dir).bucket(bucket).s3Prefix(prefix))
        .completionFuture().join();
    if (!done.failedTransfers().isEmpty()) {
      throw new IllegalStateException("uploadDirectory failed: " + done.failedTransfers().get(0).exception());
    }
    return new Measurement.Work(objects, bytes);
  }

  Measurement.Work downloadFiles(List<String> keys, Path into, long bytes) {
    List<CompletableFuture<?>> all = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      String key = keys.get(i);
      Path dest = into.resolve("large-" + i);
      all.add(crtTransfers.downloadFile(b -> b.getObjectRequest(g -> g.bucket(bucket).key(key)).destination(dest))
          .completionFuture());
    }
    all.forEach(CompletableFuture::join);
    return new Measurement.Work(keys.size(), bytes);
  }

  Measurement.Work uploadFiles(List<Path> files, String prefix) throws IOException {
    List<CompletableFuture<?>> all = new ArrayList<>();
    long bytes = 0;
    for (int i = 0; i < files.size(); i++) {
      String key = prefix + "f" + i;
      Path f = files.get(i);
      bytes += Files.size(f);
      all.add(javaTransfers.uploadFile(b -> b.putObjectRequest(p -> p.bucket(bucket).key(key)).source(f))
          .completionFuture());
    }
    all.forEach(CompletableFuture::join);
    return new Measurement.Work(files.size(), bytes);
  }

  /** {@code aws s3 cp --recursive}, or null when the AWS CLI is not installed. */
  Measurement.Work awsCli(String from, Path to, long objects, long bytes) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder("aws", "--endpoint-url", endpoint.toString(), "s3", "cp", "--recursive",
        "--only-show-errors", from, to.toString()).redirectErrorStream(true);
    pb.environment().put("AWS_ACCESS_KEY_ID", ((AwsBasicCredentials) credentials.resolveCredentials()).accessKeyId());
    pb.environment().put("AWS_SECRET_ACCESS_KEY",
        ((AwsBasicCredentials) credentials.resolveCredentials()).secretAccessKey());
    pb.environment().put("AWS_DEFAULT_REGION", "us-east-1");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IOException("aws s3 cp failed: " + out);
    }
    return new Measurement.Work(objects, bytes);
  }

  private static boolean awsCliInstalled() {
    try {
      return new ProcessBuilder("aws", "--version").redirectErrorStream(true).start().waitFor() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  /** Counts a body's bytes and drops them. */
  private static final class Discard implements AsyncResponseTransformer<GetObjectResponse, Long> {
    private CompletableFuture<Long> result;

    @Override
    public CompletableFuture<Long> prepare() {
      result = new CompletableFuture<>();
      return result;
    }

    @Override
    public void onResponse(GetObjectResponse response) {}

    @Override
    public void onStream(SdkPublisher<ByteBuffer> publisher) {
      publisher.subscribe(new Subscriber<ByteBuffer>() {
        private long n;

        @Override
        public void onSubscribe(Subscription s) {
          s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(ByteBuffer b) {
          n += b.remaining();
        }

        @Override
        public void onError(Throwable t) {
          result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
          result.complete(n);
        }
      });
    }

    @Override
    public void exceptionOccurred(Throwable error) {
      result.completeExceptionally(error);
    }
  }

  @Override
  public void close() {
    crtTransfers.close();
    javaTransfers.close();
    sync.close();
    crt.close();
    javaMultipart.close();
    raw.close();
  }
}
