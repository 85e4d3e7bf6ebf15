package io.exproto.transport.netty.internal;

import io.exproto.tls.TlsSettings;
import io.exproto.transport.netty.TlsProvider;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.CipherSuiteConverter;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * Turns an {@code ssl} listener's {@link TlsSettings} into the Netty {@link SslContext} its
 * connections share: resolves the {@link TlsProvider}, checks the protocols and cipher suites
 * against what that provider supports (converting OpenSSL cipher names to Java ones), and maps
 * {@link TlsSettings.ClientAuth}. Run when the listener is built, so that a wrong setting is
 * reported then, not at the first handshake. Not API. Stateless; thread-safe.
 */
public final class ServerSslContexts {

  /** The protocols of an ssl listener whose settings name none. */
  public static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

  private ServerSslContexts() {}

  /**
   * What a listener runs on.
   *
   * @param context shared by every connection of the listener
   * @param provider {@link TlsProvider#JDK} or {@link TlsProvider#OPENSSL}, never AUTO
   * @param protocols the enabled protocols
   * @param ciphers the offered suites by Java name; empty for the provider's defaults
   */
  public record ServerSsl(SslContext context, TlsProvider provider, List<String> protocols,
      List<String> ciphers) {}

  /**
   * The context of {@code tls} (server settings) on {@code provider}.
   *
   * @param use the setting, for errors, e.g. {@code "TcpListener tls"}
   * @throws IllegalArgumentException naming the setting that is wrong
   */
  public static ServerSsl build(TlsSettings tls, TlsProvider provider, String use) {
    TlsProvider resolved = resolve(provider);
    X509Certificate[] chain = tls.certificateChain().toArray(new X509Certificate[0]);
    PrivateKey key = tls.privateKey().orElseThrow();
    List<String> protocols = tls.protocols().isEmpty() ? DEFAULT_PROTOCOLS : tls.protocols();
    Supported supported = Supported.of(resolved, key, chain, use);
    for (String protocol : protocols) {
      if (!supported.protocols.contains(protocol)) {
        throw new IllegalArgumentException(use + " protocols: '" + protocol
            + "' is not supported by the " + resolved + " TLS provider; supported: "
            + supported.protocols);
      }
    }
    List<String> javaCiphers = javaCipherNames(tls.ciphers(), resolved, supported.ciphers, use);
    SslContextBuilder context = SslContextBuilder.forServer(key, chain)
        .sslProvider(resolved == TlsProvider.OPENSSL ? SslProvider.OPENSSL : SslProvider.JDK)
        .protocols(protocols)
        .ciphers(javaCiphers.isEmpty() ? null : javaCiphers)
        .clientAuth(switch (tls.clientAuth()) {
          case NONE -> ClientAuth.NONE;
          case OPTIONAL -> ClientAuth.OPTIONAL;
          case REQUIRE -> ClientAuth.REQUIRE;
        });
    // Without trusted certificates, a verified client certificate must chain to the JDK's
    // default trust store; with clientAuth NONE they are not used.
    if (tls.clientAuth() != TlsSettings.ClientAuth.NONE && !tls.trustCertificates().isEmpty()) {
      context.trustManager(tls.trustCertificates().toArray(new X509Certificate[0]));
    }
    try {
      return new ServerSsl(context.build(), resolved, protocols, javaCiphers);
    } catch (SSLException | RuntimeException e) {
      throw new IllegalArgumentException(use + ": could not set up TLS from " + tls + ": " + e, e);
    }
  }

  private static TlsProvider resolve(TlsProvider provider) {
    boolean openSsl = OpenSsl.isAvailable();
    if (provider == TlsProvider.OPENSSL && !openSsl) {
      throw new IllegalArgumentException("TcpListener tlsProvider OPENSSL is not available: put"
          + " io.netty:netty-tcnative-boringssl-static (with this platform's classifier, e.g."
          + " linux-x86_64) on the class path, or use tlsProvider AUTO or JDK; cause: "
          + OpenSsl.unavailabilityCause());
    }
    return provider == TlsProvider.JDK || !openSsl ? TlsProvider.JDK : TlsProvider.OPENSSL;
  }

  /** Each name in its Java form, checked against the provider's supported suites. */
  private static List<String> javaCipherNames(List<String> names, TlsProvider provider,
      Set<String> supported, String use) {
    List<String> java = new ArrayList<>();
    for (String name : names) {
      // OpenSSL lists suites by both names; keep the Java one.
      String converted = CipherSuiteConverter.toJava(name, "TLS");
      String j = converted != null && supported.contains(converted) ? converted : name;
      if (!supported.contains(j)) {
        throw new IllegalArgumentException(use + " ciphers: '" + name + "' is not a cipher"
            + " suite the " + provider + " TLS provider supports (by Java or OpenSSL name);"
            + " supported: " + new TreeSet<>(supported));
      }
      if (!java.contains(j)) {
        java.add(j);
      }
    }
    return List.copyOf(java);
  }

  /** The protocols and cipher suites (Java names) a provider can enable. */
  private record Supported(Set<String> protocols, Set<String> ciphers) {
    static Supported of(TlsProvider provider, PrivateKey key, X509Certificate[] chain,
        String use) {
      if (provider == TlsProvider.JDK) {
        try {
          SSLParameters p = SSLContext.getDefault().getSupportedSSLParameters();
          return new Supported(Set.of(p.getProtocols()), Set.of(p.getCipherSuites()));
        } catch (NoSuchAlgorithmException e) {
          throw new IllegalStateException("this JVM has no default TLS implementation", e);
        }
      }
      // OpenSSL: ask an engine of a context with no restrictions, as Netty's OpenSsl class keeps
      // its list of protocols to itself.
      SSLEngine probe = null;
      try {
        probe = SslContextBuilder.forServer(key, chain).sslProvider(SslProvider.OPENSSL).build()
            .newEngine(ByteBufAllocator.DEFAULT);
        return new Supported(Set.of(probe.getSupportedProtocols()),
            Set.of(probe.getSupportedCipherSuites()));
      } catch (SSLException | RuntimeException e) {
        throw new IllegalArgumentException(use + ": OpenSSL could not load the certificate"
            + " and key: " + e, e);
      } finally {
        ReferenceCountUtil.release(probe);
      }
    }
  }
}
