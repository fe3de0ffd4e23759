package io.metaflows3.core;

import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Settings;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One client per settings per JVM, made on first use and shared by every engine task and Hadoop file system
 * the JVM runs, so they reuse connections; closed when the JVM exits. Workers make their own: nothing is
 * captured from a driver but settings.
 */
public final class SharedClients {
  private static final Map<S3Settings, S3> CLIENTS = new ConcurrentHashMap<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> CLIENTS.values().forEach(S3::close),
        "metaflow-s3-clients-close"));
  }

  private SharedClients() {}

  /** This JVM's client for {@code settings}. */
  public static S3 get(S3Settings settings) {
    return CLIENTS.computeIfAbsent(settings, s -> S3.builder().settings(s).build());
  }
}
