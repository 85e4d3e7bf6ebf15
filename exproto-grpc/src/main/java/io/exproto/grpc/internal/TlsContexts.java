package io.exproto.grpc.internal;

import io.exproto.tls.TlsSettings;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLException;

/**
 * Turns {@link TlsSettings} into the Netty {@link SslContext}s of the handler channel and the
 * adapter server, configured for gRPC (HTTP/2 by ALPN, gRPC's cipher suites). The key material was
 * read and checked when the settings were built; building the context here, when the handler or
 * server is built, reports anything else at configuration time rather than at the first handshake.
 *
 * <p>Stateless; thread-safe.
 */
public final class TlsContexts {
  private TlsContexts() {}

  /**
   * The client context for an {@code https://} handler address.
   *
   * @param tls client settings, or null for the JDK's default trust store and no client
   *     certificate
   * @throws IllegalArgumentException if the context cannot be made from them
   */
  public static SslContext forHandler(TlsSettings tls) {
    SslContextBuilder builder = GrpcSslContexts.forClient();
    if (tls != null) {
      if (!tls.trustCertificates().isEmpty()) {
        builder.trustManager(array(tls));
      }
      if (tls.privateKey().isPresent()) {
        builder.keyManager(tls.privateKey().get(),
            tls.certificateChain().toArray(new X509Certificate[0]));
      }
    }
    return build(builder, tls == null ? "the default handler TLS settings" : tls.toString());
  }

  /**
   * The server context of the adapter server.
   *
   * @param tls server settings
   * @throws IllegalArgumentException if the context cannot be made from them
   */
  public static SslContext forAdapterServer(TlsSettings tls) {
    SslContextBuilder builder = GrpcSslContexts.configure(SslContextBuilder.forServer(
            tls.privateKey().orElseThrow(), tls.certificateChain().toArray(new X509Certificate[0])))
        .clientAuth(switch (tls.clientAuth()) {
          case NONE -> ClientAuth.NONE;
          case OPTIONAL -> ClientAuth.OPTIONAL;
          case REQUIRE -> ClientAuth.REQUIRE;
        });
    // Without trusted certificates, OPTIONAL verifies against the JDK's default trust store.
    if (tls.clientAuth() != TlsSettings.ClientAuth.NONE && !tls.trustCertificates().isEmpty()) {
      builder.trustManager(array(tls));
    }
    return build(builder, tls.toString());
  }

  private static X509Certificate[] array(TlsSettings tls) {
    return tls.trustCertificates().toArray(new X509Certificate[0]);
  }

  private static SslContext build(SslContextBuilder builder, String settings) {
    try {
      return builder.build();
    } catch (SSLException | RuntimeException e) {
      throw new IllegalArgumentException("could not set up TLS from " + settings + ": " + e, e);
    }
  }
}
