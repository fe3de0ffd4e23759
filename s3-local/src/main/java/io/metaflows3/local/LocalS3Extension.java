package io.metaflows3.local;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Gives each test class its own running {@link LocalS3Server} (in memory) and a plain SDK client for it:
 * declare a parameter of either type in a constructor, lifecycle method or test method.
 */
public final class LocalS3Extension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {
  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(LocalS3Extension.class);

  @Override
  public void beforeAll(ExtensionContext context) {
    LocalS3Server server = LocalS3Server.inMemory();
    ExtensionContext.Store store = context.getStore(NS);
    store.put(LocalS3Server.class, server);
    store.put(S3Client.class, server.newSdkClient());
  }

  @Override
  public void afterAll(ExtensionContext context) {
    ExtensionContext.Store store = context.getStore(NS);
    S3Client client = store.remove(S3Client.class, S3Client.class);
    if (client != null) {
      client.close();
    }
    LocalS3Server server = store.remove(LocalS3Server.class, LocalS3Server.class);
    if (server != null) {
      server.close();
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == LocalS3Server.class || type == S3Client.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    for (ExtensionContext c = context; c != null; c = c.getParent().orElse(null)) {
      Object value = c.getStore(NS).get(type);
      if (value != null) {
        return value;
      }
    }
    throw new IllegalStateException("LocalS3Extension must be registered on the test class");
  }
}
