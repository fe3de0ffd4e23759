package io.metaflows3.core.transfer;

import io.metaflows3.core.api.S3Settings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import software.amazon.awssdk.http.SdkHttpConfigurationOption;
import software.amazon.awssdk.http.TlsTrustManagersProvider;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.utils.AttributeMap;

/**
 * Server certificate checks as boto3's {@code verify} sets them (metaflow's {@code S3_VERIFY_CERTIFICATE}): the
 * JVM's trusted authorities, none (trust every certificate and name: for test servers with self-signed
 * certificates), or the authorities of a PEM bundle.
 */
public final class TlsTrust {
  private TlsTrust() {}

  /** The HTTP client builder for {@code verify} (see {@link S3Settings#verify()}). */
  public static SdkAsyncHttpClient.Builder<?> apply(NettyNioAsyncHttpClient.Builder netty, String verify) {
    if (verify == null) {
      return netty;
    }
    if (verify.equals("false")) {
      return new TrustingAll(netty);
    }
    TrustManager[] trusted = fromBundle(Path.of(verify));
    TlsTrustManagersProvider provider = () -> trusted;
    return netty.tlsTrustManagersProvider(provider);
  }

  private static TrustManager[] fromBundle(Path pem) {
    try (InputStream in = Files.newInputStream(pem)) {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        store.setCertificateEntry("ca-" + i++, c);
      }
      if (i == 0) {
        throw new IllegalArgumentException("verify: no certificate in the CA bundle " + pem);
      }
      TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      f.init(store);
      return f.getTrustManagers();
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("verify: cannot read the CA bundle " + pem + " (" + e.getMessage() + ")",
          e);
    }
  }

  /** Builds the Netty client with the SDK's own switch for trusting every certificate. */
  private record TrustingAll(NettyNioAsyncHttpClient.Builder netty) implements SdkAsyncHttpClient.Builder<TrustingAll> {
    @Override
    public SdkAsyncHttpClient buildWithDefaults(AttributeMap serviceDefaults) {
      return netty.buildWithDefaults(AttributeMap.builder()
          .put(SdkHttpConfigurationOption.TRUST_ALL_CERTIFICATES, Boolean.TRUE).build().merge(serviceDefaults));
    }
  }
}
