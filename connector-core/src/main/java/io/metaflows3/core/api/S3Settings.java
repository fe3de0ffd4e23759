package io.metaflows3.core.api;

import io.metaflows3.core.metaflow.MetaflowConfig;
import java.io.Serializable;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * How a client talks to S3: endpoint, region, concurrency, part size, retries, temp root and, optionally,
 * explicit credentials. Immutable and serializable, so an engine's driver can ship it to workers, which
 * build their own clients from it. Secrets never appear in {@link #toString()}.
 */
public final class S3Settings implements Serializable {
  private static final long serialVersionUID = 1L;
  public static final long MIB = 1024L * 1024;

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
  private final String profile;
  private final ServerSideEncryption serverSideEncryption;
  private final String verify;
  private final String role;
  private final long maxBytesPerSecond;
  private final String credentialsProvider;

  private S3Settings(Builder b) {
    this.credentialsProvider = b.credentialsProvider;
    this.maxBytesPerSecond = b.maxBytesPerSecond;
    this.verify = b.verify;
    this.role = b.role;
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
    this.profile = b.profile;
    this.serverSideEncryption = b.serverSideEncryption;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Settings from this process's metaflow configuration (see {@link #fromConfig}). */
  public static S3Settings defaults() {
    return fromConfig(MetaflowConfig.load());
  }

  /** Settings from environment variables alone (see {@link #fromConfig}). */
  public static S3Settings fromEnvironment(Map<String, String> env) {
    return fromConfig(MetaflowConfig.ofEnvironment(env));
  }

  /**
   * Settings from metaflow's configuration, as metaflow's S3 client reads it: the endpoint from
   * {@code DATATOOLS_CLIENT_PARAMS}' {@code endpoint_url}, else {@code S3_ENDPOINT_URL}, else the SDK's
   * {@code AWS_ENDPOINT_URL_S3} / {@code AWS_ENDPOINT_URL}; the region from the client params' or
   * {@code DATATOOLS_SESSION_VARS}' {@code region_name}; the credentials profile from the session vars'
   * {@code profile_name}; requests in flight from {@code S3_WORKER_COUNT}; attempts from
   * {@code S3_RETRY_COUNT} / {@code S3_TRANSIENT_RETRY_COUNT} (one more than the larger); server-side encryption
   * from {@code S3_SERVER_SIDE_ENCRYPTION}; certificate verification from {@code S3_VERIFY_CERTIFICATE}, else the
   * client params' {@code verify} (false, or a CA bundle); the temp root from {@code TEMPDIR}. Names are metaflow's, without
   * the {@code METAFLOW_} prefix. Everything else is left to the SDK's default providers.
   */
  public static S3Settings fromConfig(MetaflowConfig c) {
    Builder b = builder();
    Map<String, String> client = c.getObject("DATATOOLS_CLIENT_PARAMS");
    Map<String, String> session = c.getObject("DATATOOLS_SESSION_VARS");
    Optional.ofNullable(client.get("endpoint_url")).or(() -> c.get("S3_ENDPOINT_URL"))
        .or(() -> nonBlank(c.env("AWS_ENDPOINT_URL_S3"))).or(() -> nonBlank(c.env("AWS_ENDPOINT_URL")))
        .ifPresent(b::endpoint);
    Optional.ofNullable(client.get("region_name")).or(() -> Optional.ofNullable(
        session.get("region_name"))).ifPresent(b::region);
    Optional.ofNullable(session.get("profile_name")).ifPresent(b::profile);
    c.get("TEMPDIR").ifPresent(b::tmpRoot);
    c.get("S3_WORKER_COUNT").ifPresent(v -> b.maxInFlight(parseCount("METAFLOW_S3_WORKER_COUNT", v)));
    int retries = -1;
    for (String name : new String[] {"S3_RETRY_COUNT", "S3_TRANSIENT_RETRY_COUNT"}) {
      Optional<String> v = c.get(name);
      if (v.isPresent()) {
        retries = Math.max(retries, parseCount("METAFLOW_" + name, v.get()));
      }
    }
    if (retries >= 0) {
      b.maxAttempts(retries + 1);
    }
    c.get("S3_SERVER_SIDE_ENCRYPTION").map(ServerSideEncryption::of).ifPresent(b::serverSideEncryption);
    // metaflow passes S3_VERIFY_CERTIFICATE to boto3 as the client parameter verify, which it overrides.
    c.get("S3_VERIFY_CERTIFICATE").or(() -> Optional.ofNullable(client.get("verify"))).ifPresent(b::verify);
    return b.build();
  }

  private static Optional<String> nonBlank(String value) {
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value);
  }

  private static int parseCount(String name, String value) {
    try {
      int n = Integer.parseInt(value.trim());
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(name + " must be a whole number, 0 or more, got '" + value + "'");
  }

  /** The option names {@link #fromOptions} reads, for engines that reject names they do not know. */
  public static final Set<String> OPTION_NAMES = Set.of("endpoint", "region", "maxInFlight",
      "partSize", "multipartThreshold", "maxAttempts", "tmpRoot", "profile", "serverSideEncryption", "sseKmsKeyId",
      "accessKeyId", "secretAccessKey", "sessionToken", "verify", "role", "maxBytesPerSecond", "credentialsProvider");

  /**
   * Settings from engine options (Spark reader options, pipeline options), on top of {@code base}. Names are
   * case-insensitive: those of {@link #OPTION_NAMES}; sizes take {@code k}/{@code m} suffixes, serverSideEncryption
   * AES256 or aws:kms (with sseKmsKeyId), maxBytesPerSecond 0 for no limit. Unknown names are ignored (they belong
   * to the engine).
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
    if (o.containsKey("profile")) {
      b.profile(o.get("profile"));
    }
    if (o.containsKey("serverSideEncryption")) {
      b.serverSideEncryption(new ServerSideEncryption(o.get("serverSideEncryption"), o.get("sseKmsKeyId")));
    }
    if (o.containsKey("accessKeyId") || o.containsKey("secretAccessKey")) {
      b.credentials(o.get("accessKeyId"), o.get("secretAccessKey"), o.get("sessionToken"));
    }
    if (o.containsKey("verify")) {
      b.verify(o.get("verify"));
    }
    if (o.containsKey("role")) {
      b.role(o.get("role"));
    }
    if (o.containsKey("credentialsProvider")) {
      b.credentialsProvider(o.get("credentialsProvider"));
    }
    if (o.containsKey("maxBytesPerSecond")) {
      String v = o.get("maxBytesPerSecond").trim();
      b.maxBytesPerSecond(v.equals("0") ? 0 : parseBytes("maxBytesPerSecond", v));
    }
    return b.build();
  }

  /**
   * These settings as {@link #fromOptions} options, so they travel where only strings do (a Hadoop
   * configuration): {@code fromOptions(s.toOptions(), any)} equals {@code s} but for the retry backoff.
   */
  public Map<String, String> toOptions() {
    Map<String, String> o = new TreeMap<>();
    putIfSet(o, "endpoint", endpoint);
    putIfSet(o, "region", region);
    o.put("maxInFlight", Integer.toString(maxInFlight));
    o.put("partSize", Long.toString(partSize));
    o.put("multipartThreshold", Long.toString(multipartThreshold));
    o.put("maxAttempts", Integer.toString(maxAttempts));
    putIfSet(o, "tmpRoot", tmpRoot);
    putIfSet(o, "profile", profile);
    if (serverSideEncryption != null) {
      o.put("serverSideEncryption", serverSideEncryption.type());
      putIfSet(o, "sseKmsKeyId", serverSideEncryption.kmsKeyId());
    }
    putIfSet(o, "accessKeyId", accessKeyId);
    putIfSet(o, "secretAccessKey", secretAccessKey);
    putIfSet(o, "sessionToken", sessionToken);
    putIfSet(o, "verify", verify);
    putIfSet(o, "role", role);
    if (maxBytesPerSecond > 0) {
      o.put("maxBytesPerSecond", Long.toString(maxBytesPerSecond));
    }
    putIfSet(o, "credentialsProvider", credentialsProvider);
    return o;
  }

  private static void putIfSet(Map<String, String> o, String name, String value) {
    if (value != null) {
      o.put(name, value);
    }
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
    b.profile = profile;
    b.serverSideEncryption = serverSideEncryption;
    b.verify = verify;
    b.role = role;
    b.maxBytesPerSecond = maxBytesPerSecond;
    b.credentialsProvider = credentialsProvider;
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

  /** The AWS credentials profile to use instead of the default chain; null for the default chain. */
  public String profile() {
    return profile;
  }

  /** Server-side encryption of every object this client stores, unless one says otherwise; null: none. */
  public ServerSideEncryption serverSideEncryption() {
    return serverSideEncryption;
  }

  /**
   * How server certificates are checked, as boto3's {@code verify}: null for the JVM's trusted authorities,
   * {@code "false"} for not at all, else the path of a PEM bundle of the authorities to trust.
   */
  public String verify() {
    return verify;
  }

  /** The ARN of the role to assume with the credentials (metaflow's {@code role}); null for none. */
  public String role() {
    return role;
  }

  /** Bytes per second the client's requests move at most, on average, both ways together; 0: no limit. */
  public long maxBytesPerSecond() {
    return maxBytesPerSecond;
  }

  /**
   * The class of an {@code AwsCredentialsProvider} made where the client is made (on each worker), by its static
   * {@code create()} or its no-argument constructor; null for none. Only the name travels with the settings.
   */
  public String credentialsProvider() {
    return credentialsProvider;
  }

  public boolean hasStaticCredentials() {
    return accessKeyId != null;
  }

  public String accessKeyId() {
    return accessKeyId;
  }

  public String secretAccessKey() {
    return secretAccessKey;
  }

  public String sessionToken() {
    return sessionToken;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof S3Settings s && Objects.equals(endpoint, s.endpoint)
        && Objects.equals(region, s.region) && maxInFlight == s.maxInFlight && partSize == s.partSize
        && multipartThreshold == s.multipartThreshold && maxAttempts == s.maxAttempts
        && backoffBaseMillis == s.backoffBaseMillis && backoffMaxMillis == s.backoffMaxMillis
        && Objects.equals(tmpRoot, s.tmpRoot) && Objects.equals(accessKeyId, s.accessKeyId)
        && Objects.equals(secretAccessKey, s.secretAccessKey)
        && Objects.equals(sessionToken, s.sessionToken) && Objects.equals(profile, s.profile)
        && Objects.equals(serverSideEncryption, s.serverSideEncryption) && Objects.equals(verify, s.verify)
        && Objects.equals(role, s.role) && maxBytesPerSecond == s.maxBytesPerSecond
        && Objects.equals(credentialsProvider, s.credentialsProvider);
  }

  @Override
  public int hashCode() {
    return Objects.hash(endpoint, region, maxInFlight, partSize, multipartThreshold, maxAttempts,
        tmpRoot, accessKeyId);
  }

  @Override
  public String toString() {
    return "S3Settings[endpoint=" + endpoint + ", region=" + region + ", maxInFlight=" + maxInFlight
        + ", partSize=" + partSize + ", multipartThreshold=" + multipartThreshold + ", maxAttempts=" + maxAttempts
        + ", tmpRoot=" + tmpRoot + ", serverSideEncryption=" + serverSideEncryption + ", verify=" + verify + ", role=" + role
        + ", maxBytesPerSecond=" + maxBytesPerSecond + ", credentials="
        + (accessKeyId != null ? "static (redacted)" : credentialsProvider != null ? "provider " + credentialsProvider
            : profile != null ? "profile " + profile : "default chain") + "]";
  }

  /**
   * Builder with the defaults: 64 requests in flight, 16 MiB parts, 16 MiB multipart threshold, 6 attempts, no
   * bandwidth cap.
   */
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
    private String profile;
    private ServerSideEncryption serverSideEncryption;
    private String verify;
    private String role;
    private long maxBytesPerSecond;
    private String credentialsProvider;

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

    /** Credentials from this profile of the AWS config files instead of the default chain. */
    public Builder profile(String value) {
      this.profile = value;
      return this;
    }

    /** Server-side encryption of stored objects (SSE-S3 or SSE-KMS); null for none. */
    public Builder serverSideEncryption(ServerSideEncryption value) {
      this.serverSideEncryption = value;
      return this;
    }

    /**
     * Caps the bytes per second the client moves, averaged over its requests (GETs and PUTs together): a request
     * waits until the bytes of those before it have had their time. 0 (the default): no cap.
     */
    public Builder maxBytesPerSecond(long value) {
      if (value < 0) {
        throw new IllegalArgumentException("maxBytesPerSecond must be 0 (no limit) or positive, got " + value);
      }
      this.maxBytesPerSecond = value;
      return this;
    }

    /** Assume this role (an ARN) with the configured credentials, as metaflow's {@code S3(role=..)}. */
    public Builder role(String value) {
      this.role = value == null || value.isBlank() ? null : value.trim();
      return this;
    }

    /** See {@link S3Settings#verify()}: null, "false" (also "0", "no"), or a CA bundle's path. */
    public Builder verify(String value) {
      this.verify = value == null || value.isBlank() ? null
          : value.trim().equalsIgnoreCase("false") || value.trim().equals("0") || value.trim().equalsIgnoreCase("no")
              ? "false" : value.trim().equalsIgnoreCase("true") ? null : value.trim();
      return this;
    }

    /**
     * Credentials from an {@code AwsCredentialsProvider} class of the caller's (a vault, a token file), made on
     * each worker: the settings carry its name, never a secret. Precedes a profile and the default chain.
     */
    public Builder credentialsProvider(String className) {
      this.credentialsProvider = className == null || className.isBlank() ? null : className.trim();
      return this;
    }

    /**
     * Explicit credentials instead of the SDK's default chain (env, system properties, profile, IMDS). They travel
     * with the settings (to an engine's workers too); a provider, profile, role or the default chain do not.
     */
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
