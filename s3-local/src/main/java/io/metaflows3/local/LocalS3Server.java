package io.metaflows3.local;

import java.net.URI;
import java.nio.file.Path;
import java.util.Properties;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3-compatible server (S3Proxy) running in this JVM on 127.0.0.1, on a free port, backed by memory
 * or by a folder. It checks AWS v2/v4 signatures against the fixed local credentials below, so a request
 * signed with any other secret is denied, as on S3.
 */
public final class LocalS3Server implements AutoCloseable {
  /** Credentials of the local server only; they guard nothing but this loopback process. */
  public static final String ACCESS_KEY_ID = "metaflow-local";
  public static final String SECRET_ACCESS_KEY = "metaflow-local-secret";
  public static final String DEFAULT_BUCKET = "metaflow-test";

  private final S3Proxy proxy;
  private final BlobStore store;
  private final URI endpoint;

  private LocalS3Server(S3Proxy proxy, BlobStore store, URI endpoint) {
    this.proxy = proxy;
    this.store = store;
    this.endpoint = endpoint;
  }

  /** Starts an in-memory server on a free port with {@link #DEFAULT_BUCKET} created. */
  public static LocalS3Server inMemory() {
    return start(null, 0);
  }

  /**
   * Starts a server on {@code port} (0: a free one) that keeps its objects in {@code folder}, so they outlive
   * the process, or in memory when {@code folder} is null.
   */
  public static LocalS3Server start(Path folder, int port) {
    return start(folder, port, null, null);
  }

  /**
   * Starts an in-memory server that speaks HTTPS only, with the key and certificate of {@code keyStore} (a
   * PKCS12 file), for tests of certificate checks; {@link #endpoint()} is its https:// URL.
   */
  public static LocalS3Server withTls(Path keyStore, String password) {
    return start(null, 0, keyStore, password);
  }

  private static LocalS3Server start(Path folder, int port, Path keyStore, String password) {
    Properties props = new Properties();
    if (folder != null) {
      props.setProperty("jclouds.filesystem.basedir", folder.toAbsolutePath().toString());
    }
    BlobStore store = BlobStores.create(folder == null ? "transient" : "filesystem", props);
    S3Proxy.Builder builder = S3Proxy.builder();
    if (keyStore != null) {
      builder.secureEndpoint(URI.create("https://127.0.0.1:" + port))
          .keyStore(keyStore.toAbsolutePath().toString(), password);
    } else {
      builder.endpoint(URI.create("http://127.0.0.1:" + port));
    }
    S3Proxy proxy = builder
        .blobStore(store)
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY_ID, SECRET_ACCESS_KEY)
        // The AWS SDK sends headers S3Proxy does not know (e.g. x-amz-mp-object-size); S3 ignores them too.
        .ignoreUnknownHeaders(true)
        .build();
    try {
      proxy.start();
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (!"STARTED".equals(proxy.getState())) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("S3Proxy did not start within 30 s: " + proxy.getState());
        }
        Thread.sleep(2);
      }
    } catch (Exception e) {
      stopQuietly(proxy);
      throw new IllegalStateException("could not start the local S3 server on 127.0.0.1:" + port, e);
    }
    LocalS3Server server = new LocalS3Server(proxy, store, keyStore != null
        ? URI.create("https://127.0.0.1:" + proxy.getSecurePort()) : URI.create("http://127.0.0.1:" + proxy.getPort()));
    server.createBucket(DEFAULT_BUCKET);
    return server;
  }

  public URI endpoint() {
    return endpoint;
  }

  public int port() {
    return proxy.getPort();
  }

  public String bucket() {
    return DEFAULT_BUCKET;
  }

  /** Creates {@code bucket} if it does not exist yet. */
  public void createBucket(String bucket) {
    if (!store.containerExists(bucket)) {
      store.createContainer(bucket);
    }
  }

  /** A plain synchronous SDK client for this server: for setting up and checking data in tests. */
  public S3Client newSdkClient() {
    return S3Client.builder()
        .endpointOverride(endpoint)
        .forcePathStyle(true)
        .region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(
            AwsBasicCredentials.create(ACCESS_KEY_ID, SECRET_ACCESS_KEY)))
        .build();
  }

  @Override
  public void close() {
    stopQuietly(proxy);
    store.close();
  }

  private static void stopQuietly(S3Proxy proxy) {
    try {
      proxy.stop();
    } catch (Exception ignored) {
      // Stopping is best effort: the port is released with the process anyway.
    }
  }

  @Override
  public String toString() {
    return "LocalS3Server[" + endpoint + ", bucket=" + DEFAULT_BUCKET + "]";
  }
}
