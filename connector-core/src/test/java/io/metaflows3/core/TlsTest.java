package io.metaflows3.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.metaflows3.core.metaflow.MetaflowS3Exception;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.local.LocalS3Server;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificate checks against the embedded server speaking HTTPS with a self-signed certificate made here by the
 * JDK's keytool: refused by default, accepted with verify=false and with the certificate as a CA bundle, from
 * the builder or from metaflow's S3_VERIFY_CERTIFICATE.
 */
class TlsTest {
  private static final String PASSWORD = "metaflow-local";
  @TempDir
  static Path dir;
  private static LocalS3Server server;
  private static Path bundle;

  @BeforeAll
  static void start() throws Exception {
    Path keyStore = dir.resolve("server.p12");
    bundle = dir.resolve("ca.pem");
    keytool("-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
        "-dname", "CN=127.0.0.1", "-ext", "SAN=IP:127.0.0.1", "-storetype", "PKCS12", "-keystore",
        keyStore.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD);
    keytool("-exportcert", "-rfc", "-alias", "server", "-keystore", keyStore.toString(), "-storepass", PASSWORD,
        "-file", bundle.toString());
    server = LocalS3Server.withTls(keyStore, PASSWORD);
  }

  private static void keytool(String... args) throws IOException, InterruptedException {
    List<String> command = new java.util.ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException("keytool failed: " + out);
    }
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private S3 client(S3Settings.Builder settings) {
    return S3.builder().settings(settings.endpoint(server.endpoint().toString()).maxAttempts(1)
        .credentials(LocalS3Server.ACCESS_KEY_ID, LocalS3Server.SECRET_ACCESS_KEY, null).build())
        .s3root("s3://" + server.bucket() + "/tls/").environment(Map.of()).build();
  }

  @Test
  void aSelfSignedCertificateIsRefusedByDefault() {
    assertEquals("https", server.endpoint().getScheme());
    try (S3 s3 = client(S3Settings.builder())) {
      MetaflowS3Exception e = assertThrows(MetaflowS3Exception.class, () -> s3.put("refused", "x"));
      assertFalse(e.getMessage().contains(LocalS3Server.SECRET_ACCESS_KEY));
      assertTrue(e.getMessage().contains("TLS handshake with the endpoint failed"), e.getMessage());
    }
  }

  @Test
  void verifyFalseTrustsAnyCertificate() {
    try (S3 s3 = client(S3Settings.builder().verify("false"))) {
      s3.put("open", "trusted anyway");
      assertEquals("trusted anyway", s3.get("open").text());
    }
  }

  @Test
  void aCaBundleFromTheBuilderOrFromMetaflowsVariableIsTrusted() throws IOException {
    try (S3 s3 = client(S3Settings.builder().verify(bundle.toString()))) {
      s3.put("bundled", "by the CA bundle");
      assertEquals("by the CA bundle", s3.get("bundled").text());
    }
    S3Settings fromMetaflow = S3Settings.fromEnvironment(Map.of("METAFLOW_S3_VERIFY_CERTIFICATE", bundle.toString()));
    assertEquals(bundle.toString(), fromMetaflow.verify());
    try (S3 s3 = client(fromMetaflow.toBuilder())) {
      assertEquals("by the CA bundle", s3.get("bundled").text());
    }
    Path empty = Files.writeString(dir.resolve("empty.pem"), "");
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> client(S3Settings.builder().verify(empty.toString())).close());
    assertEquals("verify: no certificate in the CA bundle " + empty, bad.getMessage());
  }
}
