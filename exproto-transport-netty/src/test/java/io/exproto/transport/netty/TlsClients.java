package io.exproto.transport.netty;

import io.exproto.transport.TestCertificates;
import io.exproto.transport.internal.PemFiles;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/** JDK TLS clients for the tests: trust the test CA, optionally present a client certificate. */
final class TlsClients {

  private TlsClients() {}

  /** A context trusting {@code ca}, presenting {@code client} when not null. */
  static SSLContext context(Path ca, TestCertificates.Issued client) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    int i = 0;
    for (X509Certificate cert : PemFiles.certificates("test CA", ca)) {
      trust.setCertificateEntry("ca" + i++, cert);
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    KeyManagerFactory kmf = null;
    if (client != null) {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry("client", PemFiles.privateKey("test key", client.privateKey()),
          "pw".toCharArray(), PemFiles.certificates("test cert", client.certificate()));
      kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, "pw".toCharArray());
    }
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return context;
  }

  /** Connects to {@code address} and completes the handshake. */
  static SSLSocket connect(SSLContext context, InetSocketAddress address) throws IOException {
    SSLSocket socket = (SSLSocket) context.getSocketFactory()
        .createSocket(address.getAddress(), address.getPort());
    socket.setSoTimeout(5000);
    socket.startHandshake();
    return socket;
  }

  /** Layers TLS over an already connected socket (e.g. after a PROXY header was written). */
  static SSLSocket over(SSLContext context, Socket plain) throws IOException {
    SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(plain,
        plain.getInetAddress().getHostAddress(), plain.getPort(), true);
    socket.setSoTimeout(5000);
    socket.startHandshake();
    return socket;
  }
}
