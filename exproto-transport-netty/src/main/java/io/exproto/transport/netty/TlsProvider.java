package io.exproto.transport.netty;

import io.netty.handler.ssl.OpenSsl;

/**
 * The TLS implementation of an {@code ssl} listener ({@link TcpListener.Builder#tlsProvider}):
 * which one runs the handshakes and records. Measured on a 2-core machine: a TLS 1.3 handshake
 * (X25519, EC P-256 certificate) costs the gateway about 4 times less CPU with OpenSSL, and an
 * idle connection holds about 3.5 KB of heap instead of 8 KB (see BENCHMARKS.md).
 *
 * <p>Under OpenSSL (BoringSSL), TLS 1.3 cipher suites cannot be chosen: the settings' {@code
 * ciphers} then restrict TLS 1.2 and older only, and TLS 1.3 clients get BoringSSL's fixed suites.
 */
public enum TlsProvider {
  /** OpenSSL when {@link OpenSsl#isAvailable()}, else the JDK's; the default. */
  AUTO,
  /** The JDK's {@code SSLEngine}. */
  JDK,
  /**
   * OpenSSL (BoringSSL) through netty-tcnative ({@code io.netty:netty-tcnative-boringssl-static},
   * which the application puts on the class path, as {@code exproto-gateway.jar} does); refused by
   * {@link TcpListener.Builder#build()} when it is not available.
   */
  OPENSSL
}
