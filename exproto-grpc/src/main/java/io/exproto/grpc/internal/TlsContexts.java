package io.exproto.grpc.internal;

import io.exproto.transport.internal.PemFiles;
import io.exproto.grpc.AdapterTls;
import io.exproto.grpc.HandlerTls;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLException;

/**
 * Builds the Netty {@link SslContext}s of the TLS option classes, configured for gRPC (HTTP/2 by
 * ALPN, gRPC's cipher suites). Reading the files here, when the handler or server is built, is what
 * reports a bad file at configuration time rather than at the first handshake.
 *
 * <p>Stateless; thread-safe.
 */
public final class TlsContexts {
  private TlsContexts() {}

  /**
   * The client context for an {@code https://} handler address.
   *
   * @param tls the settings, or null for the JDK's default trust store and no client certificate
   * @throws IllegalArgumentException naming the setting and the file, if a file is unusable
   */
  public static SslContext forHandler(HandlerTls tls) {
    SslContextBuilder builder = GrpcSslContexts.forClient();
    if (tls != null) {
      tls.trustCertificates().ifPresent(ca -> builder.trustManager(
          PemFiles.certificates("HandlerTls trustCertificates", ca)));
      if (tls.certificateChain().isPresent()) {
        Path chainFile = tls.certificateChain().get();
        Path keyFile = tls.privateKey().orElseThrow();
        X509Certificate[] chain =
            PemFiles.certificates("HandlerTls keyManager certificate chain", chainFile);
        PrivateKey key = PemFiles.privateKey("HandlerTls keyManager private key", keyFile);
        PemFiles.requireKeyMatches("HandlerTls keyManager", key, keyFile, chain[0], chainFile);
        builder.keyManager(key, chain);
      }
    }
    return build(builder, tls == null ? "the default handler TLS settings" : tls.toString());
  }

  /**
   * The server context of the adapter server.
   *
   * @throws IllegalArgumentException naming the setting and the file, if a file is unusable
   */
  public static SslContext forAdapterServer(AdapterTls tls) {
    X509Certificate[] chain =
        PemFiles.certificates("AdapterTls certificate chain", tls.certificateChain());
    PrivateKey key = PemFiles.privateKey("AdapterTls private key", tls.privateKey());
    PemFiles.requireKeyMatches("AdapterTls certificate", key, tls.privateKey(), chain[0],
        tls.certificateChain());
    SslContextBuilder builder = GrpcSslContexts.configure(SslContextBuilder.forServer(key, chain))
        .clientAuth(switch (tls.clientAuth()) {
          case NONE -> ClientAuth.NONE;
          case OPTIONAL -> ClientAuth.OPTIONAL;
          case REQUIRE -> ClientAuth.REQUIRE;
        });
    if (tls.clientAuth() != AdapterTls.ClientAuth.NONE) {
      tls.trustCertificates().ifPresent(ca -> builder.trustManager(
          PemFiles.certificates("AdapterTls trustCertificates", ca)));
    }
    return build(builder, tls.toString());
  }

  private static SslContext build(SslContextBuilder builder, String settings) {
    try {
      return builder.build();
    } catch (SSLException | RuntimeException e) {
      throw new IllegalArgumentException("could not set up TLS from " + settings + ": " + e, e);
    }
  }
}
