package io.metaflows3.core.api;

import io.metaflows3.core.metaflow.MetaflowS3URLException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * An {@code s3://bucket/key} URL. URLs and keys a caller gives ({@link #parse}, {@link #resolve}) are checked
 * so that no key can name a path outside the prefix it is resolved under: no {@code .} or {@code ..} segment,
 * no control character, at most 1024 bytes of UTF-8. Keys that S3 itself lists are taken as they are.
 */
public record S3Url(String bucket, String key) implements Serializable, Comparable<S3Url> {
  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
  private static final int MAX_KEY_BYTES = 1024;

  public S3Url {
    if (bucket == null || !BUCKET.matcher(bucket).matches() || bucket.contains("..")) {
      throw new MetaflowS3URLException("invalid bucket name '" + bucket + "' in S3 URL", "s3://" + bucket + "/");
    }
    if (key == null) {
      throw new MetaflowS3URLException("missing key", "s3://" + bucket + "/");
    }
  }

  /** Parses {@code s3://bucket/key}; the key may be empty (the bucket's root). */
  public static S3Url parse(String url) {
    if (url == null || !url.startsWith("s3://")) {
      throw new MetaflowS3URLException("not an S3 URL (expected s3://bucket/key)", String.valueOf(url));
    }
    String rest = url.substring(5);
    int slash = rest.indexOf('/');
    S3Url parsed = slash < 0 ? new S3Url(rest, "") : new S3Url(rest.substring(0, slash), rest.substring(slash + 1));
    checkKey(parsed.key, url);
    return parsed;
  }

  /** True when {@code s} looks like a URL rather than a key relative to a root. */
  public static boolean isUrl(String s) {
    return s != null && s.contains("://");
  }

  /** This URL with {@code relativeKey} appended; this URL is treated as a prefix (a '/' is added). */
  public S3Url resolve(String relativeKey) {
    checkRelativeKey(relativeKey, toString());
    return new S3Url(bucket, asPrefix().key + relativeKey);
  }

  /** The same location ending with '/', so that it names a folder-like prefix. */
  public S3Url asPrefix() {
    return key.isEmpty() || key.endsWith("/") ? this : new S3Url(bucket, key + "/");
  }

  /** True when this URL lies below {@code prefix}, read as a folder. */
  public boolean isUnder(S3Url prefix) {
    S3Url p = prefix.asPrefix();
    return bucket.equals(p.bucket) && key.startsWith(p.key) && key.length() > p.key.length();
  }

  /** The key of this URL relative to {@code prefix}; this must lie below it. */
  public String relativeTo(S3Url prefix) {
    if (!isUnder(prefix)) {
      throw new MetaflowS3URLException("URL is not below " + prefix, toString());
    }
    return key.substring(prefix.asPrefix().key.length());
  }

  @Override
  public String toString() {
    return "s3://" + bucket + "/" + key;
  }

  @Override
  public int compareTo(S3Url o) {
    int c = bucket.compareTo(o.bucket);
    return c != 0 ? c : key.compareTo(o.key);
  }

  /** Validates a key relative to a root: it must name something below the root. */
  public static void checkRelativeKey(String key, String root) {
    if (key == null || key.isEmpty()) {
      throw new MetaflowS3URLException("empty key", root);
    }
    if (key.startsWith("/")) {
      throw new MetaflowS3URLException("key must be relative, not start with '/'", root + key);
    }
    checkKey(key, root + key);
  }

  private static void checkKey(String key, String url) {
    if (key.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
      throw new MetaflowS3URLException("key longer than " + MAX_KEY_BYTES + " bytes", printable(url.substring(0, 64)) + "...");
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        throw new MetaflowS3URLException("control character in key", printable(url));
      }
    }
    for (String segment : key.split("/", -1)) {
      if (segment.equals(".") || segment.equals("..")) {
        throw new MetaflowS3URLException("'.' and '..' are not allowed as key segments", url);
      }
    }
  }

  private static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (char c : s.toCharArray()) {
      b.append(c < 0x20 || c == 0x7f ? String.format("\\u%04x", (int) c) : String.valueOf(c));
    }
    return b.toString();
  }
}
