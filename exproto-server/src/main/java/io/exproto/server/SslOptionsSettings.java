package io.exproto.server;

import io.exproto.server.GatewayConfigFile.TlsFiles;
import io.exproto.tls.TlsSettings;

/**
 * EMQX's {@code ssl_options} (as {@link TlsFiles}, from the config file or the TLS flags) as the
 * {@link TlsSettings} of each place that takes them: the handler channel, the adapter server, ssl
 * and dtls listeners. Stateless.
 */
final class SslOptionsSettings {
  private SslOptionsSettings() {}

  /** {@code handler.ssl_options}: the client side. */
  static TlsSettings handler(TlsFiles f) {
    TlsSettings.ClientBuilder b = TlsSettings.client();
    if (f.cacertfile() != null) {
      b.trustCertificates(f.cacertfile());
    }
    if (f.certfile() != null || f.keyfile() != null) {
      if (f.certfile() == null || f.keyfile() == null) {
        throw new IllegalArgumentException("handler.ssl_options needs both certfile and keyfile"
            + " for a client certificate");
      }
      b.certificate(f.certfile(), f.keyfile());
    }
    if (f.serverNameIndication() != null) {
      b.serverName(f.serverNameIndication());
    }
    return b.build();
  }

  /** {@code server.ssl_options}: the adapter server's side. */
  static TlsSettings adapter(TlsFiles f) {
    if (f.certfile() == null || f.keyfile() == null) {
      throw new IllegalArgumentException("certfile and keyfile are required");
    }
    TlsSettings.ServerBuilder b = TlsSettings.server().certificate(f.certfile(), f.keyfile());
    if (f.cacertfile() != null) {
      b.trustCertificates(f.cacertfile());
    }
    return b.clientAuth(clientAuth(f, false)).build();
  }

  /** An ssl listener's settings; its handshake_timeout goes on the listener. */
  static TlsSettings sslListener(TlsFiles f) {
    if (f.certfile() == null || f.keyfile() == null) {
      throw new IllegalArgumentException("ssl listeners need certfile and keyfile");
    }
    TlsSettings.ServerBuilder b = TlsSettings.server().certificate(f.certfile(), f.keyfile());
    if (f.cacertfile() != null) {
      b.trustCertificates(f.cacertfile());
    }
    if (f.versions() != null) {
      b.protocols(f.versions().toArray(String[]::new));
    }
    if (f.ciphers() != null) {
      b.ciphers(f.ciphers());
    }
    return b.clientAuth(clientAuth(f, true)).build();
  }

  /**
   * EMQX's {@code verify} and {@code fail_if_no_peer_cert} as a {@link TlsSettings.ClientAuth}.
   *
   * @param strict refuse {@code fail_if_no_peer_cert = true} without {@code verify_peer}, as the
   *     listeners do; else it is ignored, as the adapter server does
   */
  static TlsSettings.ClientAuth clientAuth(TlsFiles f, boolean strict) {
    if (strict && f.failIfNoPeerCert() && !f.verifyPeer()) {
      throw new IllegalArgumentException("fail_if_no_peer_cert = true needs verify = verify_peer:"
          + " a client certificate is only asked for when it is verified");
    }
    return !f.verifyPeer() ? TlsSettings.ClientAuth.NONE
        : f.failIfNoPeerCert() ? TlsSettings.ClientAuth.REQUIRE : TlsSettings.ClientAuth.OPTIONAL;
  }
}
