package io.metaflows3.core.transfer;

import io.metaflows3.core.metaflow.MetaflowS3AccessDenied;
import io.metaflows3.core.metaflow.MetaflowS3Exception;
import io.metaflows3.core.metaflow.MetaflowS3InsufficientDiskSpace;
import io.metaflows3.core.metaflow.MetaflowS3InvalidRange;
import io.metaflows3.core.metaflow.MetaflowS3NotFound;
import java.io.IOException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** Classifies SDK failures: which are worth retrying, and which typed exception a caller sees. */
public final class Errors {
  private Errors() {}

  public static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  public static int status(Throwable t) {
    return unwrap(t) instanceof S3Exception s ? s.statusCode() : 0;
  }

  public static boolean isNotFound(Throwable t) {
    return status(t) == 404 || unwrap(t) instanceof MetaflowS3NotFound;
  }

  /**
   * Throttling, server errors, resets and truncated bodies are transient; 4xx answers are final, and so is a
   * refused connection (nothing listens at the endpoint: a wrong endpoint or a server that is down, which
   * retrying only hides for seconds).
   */
  public static boolean isRetryable(Throwable t) {
    Throwable e = unwrap(t);
    if (isConnectionRefused(e)) {
      return false;
    }
    if (e instanceof S3Exception s) {
      int code = s.statusCode();
      // 409 ConditionalRequestConflict: a concurrent conditional write; S3 asks to retry it.
      return code >= 500 || code == 429 || code == 409 || code == 408;
    }
    if (e instanceof TruncatedBodyException) {
      return true;
    }
    if (e instanceof SdkClientException) {
      if (String.valueOf(e.getMessage()).startsWith("Unable to execute HTTP request")) {
        return true; // the transport failed (reset, closed or broken channel): the request may be sent again
      }
      for (Throwable c = e; c != null; c = c.getCause()) {
        if (c instanceof IOException) {
          return true;
        }
      }
      String msg = String.valueOf(e.getMessage()).toLowerCase();
      return msg.contains("timeout") || msg.contains("timed out");
    }
    return e instanceof IOException;
  }

  private static boolean isConnectionRefused(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof java.net.ConnectException && String.valueOf(c.getMessage()).contains("Connection refused")) {
        return true;
      }
    }
    return false;
  }

  /** The typed exception for a failure about {@code url}. Messages carry the URL and S3's code, no credentials. */
  public static MetaflowS3Exception toTyped(Throwable t, String url) {
    Throwable e = unwrap(t);
    if (e instanceof MetaflowS3Exception m) {
      return m;
    }
    if (e instanceof S3Exception s) {
      String code = s.awsErrorDetails() == null ? null : s.awsErrorDetails().errorCode();
      String what = "HTTP " + s.statusCode() + (code == null ? "" : " " + code);
      return switch (s.statusCode()) {
        case 404 -> new MetaflowS3NotFound("not found (" + what + ")", url, s);
        case 403 -> new MetaflowS3AccessDenied("access denied (" + what + ")", url, s);
        case 416 -> new MetaflowS3InvalidRange("range not satisfiable (" + what + ")", url, s);
        default -> new MetaflowS3Exception("S3 request failed (" + what + ")", url, s);
      };
    }
    if (isConnectionRefused(e)) {
      return new MetaflowS3Exception("connection refused: nothing listens at the endpoint", url, e);
    }
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof java.io.IOException && String.valueOf(c.getMessage()).contains("No space left on device")) {
        return new MetaflowS3InsufficientDiskSpace("the temp folder's file system is full", url, e);
      }
      if (c instanceof javax.net.ssl.SSLHandshakeException) {
        return new MetaflowS3Exception("TLS handshake with the endpoint failed (" + c.getMessage() + "); if its "
            + "certificate is not signed by an authority this JVM trusts, set verify (METAFLOW_S3_VERIFY_CERTIFICATE)"
            + " to a CA bundle, or to false", url, e);
      }
    }
    return new MetaflowS3Exception("S3 request failed (" + e.getClass().getSimpleName() + ")", url, e);
  }
}
