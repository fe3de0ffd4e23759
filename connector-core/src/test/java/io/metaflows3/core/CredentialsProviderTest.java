package io.metaflows3.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.metaflows3.core.api.S3Settings;
import io.metaflows3.local.LocalS3Extension;
import io.metaflows3.local.LocalS3Server;
import java.io.ByteArrayOutputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/** Credentials from a provider class made where the client is made: only its name travels with the settings. */
@ExtendWith(LocalS3Extension.class)
class CredentialsProviderTest {
  /** A provider of the embedded server's keys, as a user's would fetch them from a vault. */
  public static final class LocalServerKeys implements AwsCredentialsProvider {
    static final AtomicInteger MADE = new AtomicInteger();

    public LocalServerKeys() {
      MADE.incrementAndGet();
    }

    @Override
    public AwsCredentials resolveCredentials() {
      return AwsBasicCredentials.create(LocalS3Server.ACCESS_KEY_ID, LocalS3Server.SECRET_ACCESS_KEY);
    }
  }

  @Test
  void aProviderClassIsMadeWithTheClientAndOnlyItsNameTravels(LocalS3Server server) throws Exception {
    S3Settings settings = S3Settings.fromOptions(Map.of("endpoint", server.endpoint().toString(),
        "credentialsProvider", LocalServerKeys.class.getName()), S3Settings.builder().build());
    int made = LocalServerKeys.MADE.get();
    try (S3 s3 = S3.builder().settings(settings).environment(Map.of()).build()) {
      s3.put(LocalS3.root(server, "provider/a"), "from a provider");
      assertEquals("from a provider", s3.get(LocalS3.root(server, "provider/a")).text());
    }
    assertEquals(made + 1, LocalServerKeys.MADE.get(), "made once, by the client");
    ByteArrayOutputStream shipped = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(shipped)) {
      out.writeObject(settings);
    }
    String bytes = shipped.toString(StandardCharsets.ISO_8859_1);
    assertTrue(bytes.contains(LocalServerKeys.class.getName()), "the provider's name travels");
    assertFalse(bytes.contains(LocalS3Server.SECRET_ACCESS_KEY), "the secret does not");
    assertTrue(settings.toString().contains("provider " + LocalServerKeys.class.getName()), settings.toString());
    assertEquals(settings, S3Settings.fromOptions(settings.toOptions(), S3Settings.builder().build()));
  }

  /**
   * A provider of another copy of the SDK than the client's (a user's, beside the SDK relocated into the Spark
   * bundle): not an {@code AwsCredentialsProvider} of the client's, but one by its {@code resolveCredentials()}.
   */
  public static final class KeysOfAnotherSdk {
    public static KeysOfAnotherSdk create() {
      return new KeysOfAnotherSdk();
    }

    public Keys resolveCredentials() {
      return new Keys();
    }

    /** As the SDK's AwsSessionCredentials: keys and a token, here none. */
    public static final class Keys {
      public String accessKeyId() {
        return LocalS3Server.ACCESS_KEY_ID;
      }

      public String secretAccessKey() {
        return LocalS3Server.SECRET_ACCESS_KEY;
      }
    }
  }

  @Test
  void aProviderOfAnotherCopyOfTheSdkIsAsked(LocalS3Server server) {
    S3Settings settings = S3Settings.builder().endpoint(server.endpoint().toString())
        .credentialsProvider(KeysOfAnotherSdk.class.getName()).build();
    try (S3 s3 = S3.builder().settings(settings).environment(Map.of()).build()) {
      s3.put(LocalS3.root(server, "provider/other"), "signed with keys another SDK gave");
      assertEquals("signed with keys another SDK gave", s3.get(LocalS3.root(server, "provider/other")).text());
    }
  }

  @Test
  void aClassThatIsNoProviderOrCannotBeMadeIsAClearError(LocalS3Server server) {
    for (String name : new String[] {"com.example.Missing", String.class.getName(), AbstractProvider.class.getName()}) {
      S3Settings settings = S3Settings.builder().endpoint(server.endpoint().toString()).credentialsProvider(name)
          .build();
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> S3.builder().settings(settings).environment(Map.of()).build());
      assertTrue(e.getMessage().contains(name), e.getMessage());
    }
  }

  /** A provider with no way to make it. */
  public abstract static class AbstractProvider implements AwsCredentialsProvider {}
}
