package io.cfsync.testing;

import java.io.InputStream;
import java.security.KeyStore;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import okhttp3.OkHttpClient;

/**
 * Makes a test client trust WireMock's own self-signed certificate (the {@code keystore} in
 * its jar), and only that. Its name is not {@code localhost}, so hostnames are not checked:
 * certificate checks stay on in the product; this is the test's private CA.
 */
public final class WireMockTls {

  private WireMockTls() {}

  public static OkHttpClient.Builder trustWireMock(OkHttpClient.Builder b) {
    try (InputStream in = WireMockTls.class.getClassLoader().getResourceAsStream("keystore")) {
      KeyStore ks = KeyStore.getInstance("JKS");
      ks.load(in, "password".toCharArray());
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      X509TrustManager tm = (X509TrustManager) tmf.getTrustManagers()[0];
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, new javax.net.ssl.TrustManager[] {tm}, null);
      return b.sslSocketFactory(ctx.getSocketFactory(), tm).hostnameVerifier((h, s) -> true);
    } catch (Exception e) {
      throw new IllegalStateException("cannot load WireMock's keystore", e);
    }
  }
}
