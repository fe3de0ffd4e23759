package io.metaflows3.core.transfer;

import io.metaflows3.core.api.S3Settings;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.StsClientBuilder;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;

/**
 * Where a client's credentials come from: explicit keys, else a provider class of the caller's, else a profile,
 * else the SDK's default chain; with a
 * role (metaflow's {@code role}), those credentials assume it through STS, and the SDK's provider refreshes the
 * role's session before it expires. Made on the worker from settings, so no credential object is shipped.
 */
public final class Credentials implements AutoCloseable {
  private final AwsCredentialsProvider provider;
  private final StsClient sts;

  private Credentials(AwsCredentialsProvider provider, StsClient sts) {
    this.provider = provider;
    this.sts = sts;
  }

  public static Credentials of(S3Settings settings) {
    AwsCredentialsProvider base = settings.hasStaticCredentials()
        ? StaticCredentialsProvider.create(settings.sessionToken() == null
            ? AwsBasicCredentials.create(settings.accessKeyId(), settings.secretAccessKey())
            : AwsSessionCredentials.create(settings.accessKeyId(), settings.secretAccessKey(),
                settings.sessionToken()))
        : settings.credentialsProvider() != null ? provider(settings.credentialsProvider())
        : settings.profile() != null ? ProfileCredentialsProvider.create(settings.profile())
        : DefaultCredentialsProvider.builder().build();
    if (settings.role() == null) {
      return new Credentials(base, null);
    }
    StsClientBuilder builder = StsClient.builder().credentialsProvider(base)
        .httpClientBuilder(UrlConnectionHttpClient.builder())
        .region(settings.region() != null ? Region.of(settings.region()) : Region.US_EAST_1);
    if (settings.endpoint() != null) {
      builder.endpointOverride(URI.create(settings.endpoint())); // S3-compatible stores serve STS there (MinIO)
    }
    StsClient sts = builder.build();
    return new Credentials(StsAssumeRoleCredentialsProvider.builder().stsClient(sts)
        .refreshRequest(r -> r.roleArn(settings.role()).roleSessionName("metaflow-s3")).build(), sts);
  }

  /**
   * Makes the provider class {@code name} names, by its static {@code create()} or no-argument constructor. A class
   * of another copy of the SDK (the caller's, beside the copy relocated into a runtime bundle) is adapted: its
   * {@code resolveCredentials()} is asked each time, and the keys it gives are used.
   */
  private static AwsCredentialsProvider provider(String name) {
    Object made;
    try {
      Class<?> type = Class.forName(name, true, Thread.currentThread().getContextClassLoader());
      made = instantiate(type);
    } catch (ReflectiveOperationException e) {
      throw new IllegalArgumentException("credentialsProvider " + name + " cannot be made: it needs a public "
          + "static create() or a public no-argument constructor (" + e.getClass().getSimpleName() + ")", e);
    }
    if (made instanceof AwsCredentialsProvider provider) {
      return provider;
    }
    Method resolve;
    try {
      resolve = made.getClass().getMethod("resolveCredentials");
    } catch (NoSuchMethodException e) {
      throw new IllegalArgumentException("credentialsProvider " + name + " is not an AwsCredentialsProvider", e);
    }
    return () -> {
      try {
        Object given = resolve.invoke(made);
        String key = (String) given.getClass().getMethod("accessKeyId").invoke(given);
        String secret = (String) given.getClass().getMethod("secretAccessKey").invoke(given);
        Method token = sessionToken(given.getClass());
        return token == null ? AwsBasicCredentials.create(key, secret)
            : AwsSessionCredentials.create(key, secret, (String) token.invoke(given));
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("credentialsProvider " + name + " gave no credentials ("
            + e.getClass().getSimpleName() + ")", e);
      }
    };
  }

  private static Object instantiate(Class<?> type) throws ReflectiveOperationException {
    try {
      Method create = type.getMethod("create");
      if (Modifier.isStatic(create.getModifiers()) && type.isAssignableFrom(create.getReturnType())) {
        return create.invoke(null);
      }
    } catch (NoSuchMethodException e) {
      // no factory method: the constructor below
    }
    return type.getConstructor().newInstance();
  }

  private static Method sessionToken(Class<?> credentials) {
    try {
      return credentials.getMethod("sessionToken");
    } catch (NoSuchMethodException e) {
      return null;
    }
  }

  public AwsCredentialsProvider provider() {
    return provider;
  }

  @Override
  public void close() {
    if (provider instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception ignored) {
        // closing a refresh thread: nothing to lose
      }
    }
    if (sts != null) {
      sts.close();
    }
  }
}
