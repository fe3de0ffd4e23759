package io.metaflows3.core;

import java.io.Serializable;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * How a client talks to S3: endpoint, region, concurrency, part size, retries, temp root and, optionally,
 * explicit credentials. Immutable and serializable, so an engine's driver can ship it to workers, which
 * build their own clients from it. Secrets never appear in {@link #toString()}.
 */
public final class S3Settings implements Serializable {
  private static final long serialVersionUID = 1L;
  static final long MIB = 1024L * 1024;

  private final String endpoint;
  private final String region;
  private final int maxInFlight;
  private final long partSize;
  private final long multipartThreshold;
  private final int maxAttempts;
  private final long backoffBaseMillis;
  private final long backoffMaxMillis;
  private final String tmpRoot;
  private final String accessKeyId;
  private final String secretAccessKey;
  private final String sessionToken;

  private S3Settings(Builder b) {
    this.endpoint = b.endpoint;
    this.region = b.region;
    this.maxInFlight = b.maxInFlight;
    this.partSize = b.partSize;
    this.multipartThreshold = b.multipartThreshold;
    this.maxAttempts = b.maxAttempts;
    this.backoffBaseMillis = b.backoffBaseMillis;
    this.backoffMaxMillis = b.backoffMaxMillis;
    this.tmpRoot = b.tmpRoot;
    this.accessKeyId = b.accessKeyId;
    this.secretAccessKey = b.secretAccessKey;
    this.sessionToken = b.sessionToken;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Settings from this process's environment (see {@link #fromEnvironment(Map)}). */
  public static S3Settings defaults() {
    return fromEnvironment(System.getenv());
  }

  /**
   * Settings from metaflow's and the AWS SDK's environment variables: the endpoint from
   * {@code METAFLOW_S3_ENDPOINT_URL}, else {@code AWS_ENDPOINT_URL_S3}, else {@code AWS_ENDPOINT_URL}; the
   * temp root from {@code METAFLOW_TEMPDIR}. Region and credentials are left to the SDK's default providers.
   */
  public static S3Settings fromEnvironment(Map<String, String> env) {
    Builder b = builder();
    for (String name : new String[] {"METAFLOW_S3_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"}) {
      String value = env.get(name);
      if (value != null && !value.isBlank()) {
        b.endpoint(value);
        break;
      }
    }
    String tmp = env.get("METAFLOW_TEMPDIR");
    if (tmp != null && !tmp.isBlank()) {
      b.tmpRoot(tmp);
    }
    return b.build();
  }

  /**
   * Settings from engine options (Spark reader options, pipeline options), on top of {@code base}. Names are
   * case-insensitive: endpoint, region, maxInFlight, partSize, multipartThreshold, maxAttempts, tmpRoot,
   * accessKeyId, secretAccessKey, sessionToken. Unknown names are ignored (they belong to the engine).
   */
  public static S3Settings fromOptions(Map<String, String> options, S3Settings base) {
    Map<String, String> o = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    o.putAll(options);
    Builder b = base.toBuilder();
    if (o.containsKey("endpoint")) {
      b.endpoint(o.get("endpoint"));
    }
    if (o.containsKey("region")) {
      b.region(o.get("region"));
    }
    if (o.containsKey("maxInFlight")) {
      b.maxInFlight(parseInt(o, "maxInFlight"));
    }
    if (o.containsKey("partSize")) {
      b.partSize(parseLong(o, "partSize"));
    }
    if (o.containsKey("multipartThreshold")) {
      b.multipartThreshold(parseLong(o, "multipartThreshold"));
    }
    if (o.containsKey("maxAttempts")) {
      b.maxAttempts(parseInt(o, "maxAttempts"));
    }
    if (o.containsKey("tmpRoot")) {
      b.tmpRoot(o.get("tmpRoot"));
    }
    if (o.containsKey("accessKeyId") || o.containsKey("secretAccessKey")) {
      b.credentials(o.get("accessKeyId"), o.get("secretAccessKey"), o.get("sessionToken"));
    }
    return b.build();
  }

  private static int parseInt(Map<String, String> o, String name) {
    return (int) parseBytes(name, o.get(name));
  }

  private static long parseLong(Map<String, String> o, String name) {
    return parseBytes(name, o.get(name));
  }

  /** Parses a positive size option such as {@code 8388608}, {@code 64k} or {@code 8m}. */
  public static long parseBytes(String name, String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    long unit = 1;
    if (v.endsWith("m") || v.endsWith("mb") || v.endsWith("mib")) {
      unit = MIB;
      v = v.replaceAll("[a-z]+$", "");
    } else if (v.endsWith("k") || v.endsWith("kb") || v.endsWith("kib")) {
      unit = 1024;
      v = v.replaceAll("[a-z]+$", "");
    }
    long bytes;
    try {
      bytes = Math.multiplyExact(Long.parseLong(v), unit);
    } catch (NumberFormatException | ArithmeticException e) {
      bytes = -1;
    }
    if (bytes <= 0) {
      throw new IllegalArgumentException("option " + name + " must be a positive number (e.g. 8388608 or 8m), "
          + "got '" + value + "'");
    }
    return bytes;
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.endpoint = endpoint;
    b.region = region;
    b.maxInFlight = maxInFlight;
    b.partSize = partSize;
    b.multipartThreshold = multipartThreshold;
    b.maxAttempts = maxAttempts;
    b.backoffBaseMillis = backoffBaseMillis;
    b.backoffMaxMillis = backoffMaxMillis;
    b.tmpRoot = tmpRoot;
    b.accessKeyId = accessKeyId;
    b.secretAccessKey = secretAccessKey;
    b.sessionToken = sessionToken;
    return b;
  }

  /** The endpoint of an S3-compatible store, or null for AWS's own (then virtual-host addressing is used). */
  public String endpoint() {
    return endpoint;
  }

  public String region() {
    return region;
  }

  /** Requests one client keeps in flight at most. */
  public int maxInFlight() {
    return maxInFlight;
  }

  /** Size of the byte ranges large objects are fetched in, and of multipart upload parts. */
  public long partSize() {
    return partSize;
  }

  /** Files larger than this are uploaded in parts, in parallel. */
  public long multipartThreshold() {
    return multipartThreshold;
  }

  /** Attempts per request, the first included, for transient errors. */
  public int maxAttempts() {
    return maxAttempts;
  }

  public Duration backoffBase() {
    return Duration.ofMillis(backoffBaseMillis);
  }

  public Duration backoffMax() {
    return Duration.ofMillis(backoffMaxMillis);
  }

  /** Folder under which each client makes its temp folder; null: the JVM's temp folder. */
  public String tmpRoot() {
    return tmpRoot;
  }

  boolean hasStaticCredentials() {
    return accessKeyId != null;
  }

  String accessKeyId() {
    return accessKeyId;
  }

  String secretAccessKey() {
    return secretAccessKey;
  }

  String sessionToken() {
    return sessionToken;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof S3Settings s && java.util.Objects.equals(endpoint, s.endpoint)
        && java.util.Objects.equals(region, s.region) && maxInFlight == s.maxInFlight && partSize == s.partSize
        && multipartThreshold == s.multipartThreshold && maxAttempts == s.maxAttempts
        && backoffBaseMillis == s.backoffBaseMillis && backoffMaxMillis == s.backoffMaxMillis
        && java.util.Objects.equals(tmpRoot, s.tmpRoot) && java.util.Objects.equals(accessKeyId, s.accessKeyId)
        && java.util.Objects.equals(secretAccessKey, s.secretAccessKey)
        && java.util.Objects.equals(sessionToken, s.sessionToken);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(endpoint, region, maxInFlight, partSize, multipartThreshold, maxAttempts,
        tmpRoot, accessKeyId);
  }

  @Override
  public String toString() {
    return "S3Settings[endpoint=" + endpoint + ", region=" + region + ", maxInFlight=" + maxInFlight
        + ", partSize=" + partSize + ", multipartThreshold=" + multipartThreshold + ", maxAttempts=" + maxAttempts
        + ", tmpRoot=" + tmpRoot + ", credentials=" + (accessKeyId == null ? "default chain" : "static (redacted)")
        + "]";
  }

  /** Builder with the defaults: 64 requests in flight, 8 MiB parts, 16 MiB multipart threshold, 6 attempts. */
  public static final class Builder {
    private String endpoint;
    private String region;
    private int maxInFlight = 64;
    private long partSize = 16 * MIB;
    private long multipartThreshold = 16 * MIB;
    private int maxAttempts = 6;
    private long backoffBaseMillis = 50;
    private long backoffMaxMillis = 5_000;
    private String tmpRoot;
    private String accessKeyId;
    private String secretAccessKey;
    private String sessionToken;

    private Builder() {}

    public Builder endpoint(String value) {
      if (value != null) {
        URI uri;
        try {
          uri = URI.create(value);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("endpoint is not a URL: " + value);
        }
        if (uri.getScheme() == null || uri.getHost() == null
            || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
          throw new IllegalArgumentException("endpoint must be an http(s) URL, got " + value);
        }
      }
      this.endpoint = value;
      return this;
    }

    public Builder region(String value) {
      this.region = value;
      return this;
    }

    public Builder maxInFlight(int value) {
      this.maxInFlight = positive("maxInFlight", value);
      return this;
    }

    public Builder partSize(long value) {
      // S3 refuses multipart parts below 5 MiB (but the last), so smaller parts are for reads only.
      this.partSize = positive("partSize", value);
      return this;
    }

    public Builder multipartThreshold(long value) {
      this.multipartThreshold = positive("multipartThreshold", value);
      return this;
    }

    public Builder maxAttempts(int value) {
      this.maxAttempts = positive("maxAttempts", value);
      return this;
    }

    public Builder backoff(Duration base, Duration max) {
      this.backoffBaseMillis = positive("backoff base", base.toMillis());
      this.backoffMaxMillis = positive("backoff max", max.toMillis());
      return this;
    }

    public Builder tmpRoot(String value) {
      this.tmpRoot = value;
      return this;
    }

    /** Explicit credentials instead of the SDK's default chain (env, system properties, profile, IMDS). */
    public Builder credentials(String accessKeyId, String secretAccessKey, String sessionToken) {
      if (accessKeyId == null || secretAccessKey == null) {
        throw new IllegalArgumentException("both accessKeyId and secretAccessKey are needed");
      }
      this.accessKeyId = accessKeyId;
      this.secretAccessKey = secretAccessKey;
      this.sessionToken = sessionToken;
      return this;
    }

    public S3Settings build() {
      return new S3Settings(this);
    }

    private static <N extends Number> N positive(String name, N value) {
      if (value.longValue() <= 0) {
        throw new IllegalArgumentException(name + " must be positive, got " + value);
      }
      return value;
    }
  }
}
