package io.metaflows3.spark;

import io.metaflows3.core.S3;
import io.metaflows3.core.S3Settings;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One client per settings per executor JVM, made on first use there and shared by every task it runs, so
 * tasks reuse connections; closed when the JVM exits. Nothing is captured from the driver but settings.
 */
final class ExecutorClients {
  private static final Map<S3Settings, S3> CLIENTS = new ConcurrentHashMap<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> CLIENTS.values().forEach(S3::close),
        "metaflow-s3-clients-close"));
  }

  private ExecutorClients() {}

  static S3 get(S3Settings settings) {
    return CLIENTS.computeIfAbsent(settings, s -> S3.builder().settings(s).build());
  }
}
