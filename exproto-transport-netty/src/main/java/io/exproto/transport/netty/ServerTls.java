package io.exproto.transport.netty;

import io.exproto.transport.internal.PemFiles;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.CipherSuiteConverter;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;

/**
 * The TLS settings of an {@code ssl} listener ({@code listeners.ssl.<name>.ssl_options}, docs/configuration.md),
 * given to {@link TcpListener.Builder#tls(ServerTls)}. Immutable and thread-safe; the files are read
 * and checked once, by {@link Builder#build()}, so a wrong file is reported at configuration time
 * rather than at the first handshake.
 *
 * <pre>{@code
 * ServerTls tls = ServerTls.builder()
 *     .certificate(Path.of("server.pem"), Path.of("server.key"))
 *     .trustCertificates(Path.of("ca.pem"))
 *     .verifyPeer(true)
 *     .failIfNoPeerCert(true)
 *     .build();
 * }</pre>
 *
 * <p>Options, with their defaults:
 *
 * <ul>
 *   <li>{@code certificate}: required. The server's certificate chain (PEM, server certificate
 *       first) and its private key (PEM, unencrypted PKCS#8 {@code BEGIN PRIVATE KEY} or PKCS#1
 *       {@code BEGIN RSA PRIVATE KEY}); EMQX {@code certfile} and {@code keyfile}.
 *   <li>{@code trustCertificates}: none. The CA certificates (PEM) that client certificates are
 *       verified against; EMQX {@code cacertfile}. Without it, a verified client certificate must
 *       chain to the JDK's default trust store. The file is read and checked even when {@code
 *       verifyPeer} is off (as in EMQX configurations that name a CA with {@code verify_none}),
 *       but it is only used when clients are verified.
 *   <li>{@code verifyPeer}: false. Ask clients for a certificate and verify it; EMQX {@code verify
 *       = verify_peer}. A client that presents none is still accepted unless {@code
 *       failIfNoPeerCert}.
 *   <li>{@code failIfNoPeerCert}: false. Refuse the handshake of a client without a certificate;
 *       needs {@code verifyPeer} and {@code trustCertificates}.
 *   <li>{@code protocols}: {@code TLSv1.3, TLSv1.2}; EMQX {@code versions}.
 *   <li>{@code ciphers}: the provider's defaults. The cipher suites to offer, in order of
 *       preference, by their Java (IANA) names such as {@code TLS_AES_128_GCM_SHA256} or OpenSSL
 *       names such as {@code ECDHE-RSA-AES256-GCM-SHA384} (as in EMQX's {@code ciphers}); each
 *       must be one the provider supports.
 *   <li>{@code handshakeTimeout}: 15 s. A handshake not done within it closes the connection.
 *   <li>{@code provider}: {@link Provider#AUTO}. Which TLS implementation runs the handshakes and
 *       records: OpenSSL (BoringSSL, from {@code netty-tcnative-boringssl-static} when it is on
 *       the class path), else the JDK's. Measured on a 2-core machine: a TLS 1.3 handshake
 *       (X25519, EC P-256 certificate) costs the gateway about 4 times less CPU with OpenSSL,
 *       and an idle connection holds about 3.5 KB of heap instead of 8 KB (see BENCHMARKS.md).
 * </ul>
 *
 * <p>Under OpenSSL (BoringSSL), TLS 1.3 cipher suites cannot be chosen: {@code ciphers} then
 * restricts TLS 1.2 and older only, and TLS 1.3 clients get BoringSSL's fixed suites.
 */
public final class ServerTls {

  /** The TLS implementation of a listener. */
  public enum Provider {
    /** OpenSSL when {@link OpenSsl#isAvailable()}, else the JDK's. */
    AUTO,
    /** The JDK's {@code SSLEngine}. */
    JDK,
    /**
     * OpenSSL through netty-tcnative ({@code io.netty:netty-tcnative-boringssl-static}, which the
     * application puts on the class path, as {@code exproto-gateway.jar} does); refused by {@link
     * Builder#build()} when it is not available.
     */
    OPENSSL
  }

  private static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

  private final Path certificateChain;
  private final Path privateKey;
  private final Path trustCertificates;
  private final boolean verifyPeer;
  private final boolean failIfNoPeerCert;
  private final List<String> protocols;
  private final List<String> ciphers;
  private final Duration handshakeTimeout;
  private final Provider provider;
  private final SslContext sslContext;

  private ServerTls(Builder b, Provider provider, List<String> javaCiphers,
      SslContext sslContext) {
    this.certificateChain = b.certificateChain;
    this.privateKey = b.privateKey;
    this.trustCertificates = b.trustCertificates;
    this.verifyPeer = b.verifyPeer;
    this.failIfNoPeerCert = b.failIfNoPeerCert;
    this.protocols = b.protocols;
    this.ciphers = javaCiphers;
    this.handshakeTimeout = b.handshakeTimeout;
    this.provider = provider;
    this.sslContext = sslContext;
  }

  /** A builder with the defaults above; {@link Builder#certificate} must be set. */
  public static Builder builder() {
    return new Builder();
  }

  /** The server's certificate chain file (PEM). */
  public Path certificateChain() {
    return certificateChain;
  }

  /** The server's private key file (PEM). */
  public Path privateKey() {
    return privateKey;
  }

  /** The CA file client certificates are verified against, if set. */
  public Optional<Path> trustCertificates() {
    return Optional.ofNullable(trustCertificates);
  }

  /** Whether clients are asked for a certificate, which is then verified. */
  public boolean verifyPeer() {
    return verifyPeer;
  }

  /** Whether a client without a certificate is refused. */
  public boolean failIfNoPeerCert() {
    return failIfNoPeerCert;
  }

  /** The enabled TLS protocol versions, e.g. {@code TLSv1.3}. */
  public List<String> protocols() {
    return protocols;
  }

  /**
   * The cipher suites offered, by their Java names (OpenSSL names given to the builder are
   * converted); empty for the JVM's defaults.
   */
  public List<String> ciphers() {
    return ciphers;
  }

  /** How long a handshake may take before the connection is closed. */
  public Duration handshakeTimeout() {
    return handshakeTimeout;
  }

  /** The TLS implementation in use: {@link Provider#JDK} or {@link Provider#OPENSSL}, never AUTO. */
  public Provider provider() {
    return provider;
  }

  /** The Netty context built from these settings; shared by every connection of a listener. */
  SslContext sslContext() {
    return sslContext;
  }

  @Override
  public String toString() {
    return "ServerTls{certificate=" + certificateChain + ", key=" + privateKey
        + ", trustCertificates=" + trustCertificates + ", verifyPeer=" + verifyPeer
        + ", failIfNoPeerCert=" + failIfNoPeerCert + ", protocols=" + protocols
        + ", ciphers=" + ciphers + ", handshakeTimeout=" + handshakeTimeout + ", provider="
        + provider + "}";
  }

  /** Configures a {@link ServerTls}. Setters only record; {@link #build()} validates. */
  public static final class Builder {
    private Path certificateChain;
    private Path privateKey;
    private Path trustCertificates;
    private boolean verifyPeer;
    private boolean failIfNoPeerCert;
    private List<String> protocols = DEFAULT_PROTOCOLS;
    private List<String> ciphers = List.of();
    private Duration handshakeTimeout = Duration.ofSeconds(15);
    private Provider provider = Provider.AUTO;

    private Builder() {}

    /**
     * The server's certificate chain (PEM, its own certificate first) and private key (PEM,
     * unencrypted PKCS#8 or PKCS#1 RSA). Required.
     */
    public Builder certificate(Path certChainPem, Path keyPem) {
      this.certificateChain = Objects.requireNonNull(certChainPem, "certChainPem");
      this.privateKey = Objects.requireNonNull(keyPem, "keyPem");
      return this;
    }

    /** The CA certificates (PEM) client certificates are verified against. Default none. */
    public Builder trustCertificates(Path caPem) {
      this.trustCertificates = Objects.requireNonNull(caPem, "caPem");
      return this;
    }

    /** Ask clients for a certificate and verify the one they present. Default false. */
    public Builder verifyPeer(boolean verifyPeer) {
      this.verifyPeer = verifyPeer;
      return this;
    }

    /**
     * Refuse a client that presents no certificate; needs {@link #verifyPeer} and {@link
     * #trustCertificates}. Default false.
     */
    public Builder failIfNoPeerCert(boolean failIfNoPeerCert) {
      this.failIfNoPeerCert = failIfNoPeerCert;
      return this;
    }

    /** The TLS versions to enable, e.g. {@code "TLSv1.3"}. Default {@code TLSv1.3, TLSv1.2}. */
    public Builder protocols(String... protocols) {
      this.protocols = List.copyOf(Arrays.asList(protocols)); // rejects null elements
      return this;
    }

    /**
     * The cipher suites to offer, most preferred first, by Java (IANA) or OpenSSL name, each one
     * the provider supports; none (the default) keeps the provider's defaults. On the JDK
     * provider with TLSv1.3 enabled, list a TLS 1.3 suite too (such as {@code
     * TLS_AES_128_GCM_SHA256}), or TLS 1.3 clients fall back to TLS 1.2; OpenSSL always offers
     * its own TLS 1.3 suites.
     */
    public Builder ciphers(List<String> ciphers) {
      this.ciphers = List.copyOf(ciphers); // rejects null elements
      return this;
    }

    /** How long a handshake may take; positive. Default 15 s. */
    public Builder handshakeTimeout(Duration timeout) {
      this.handshakeTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * The TLS implementation: {@link Provider#AUTO} (the default) takes OpenSSL when it is
     * available, else the JDK's; {@link Provider#OPENSSL} requires it.
     */
    public Builder provider(Provider provider) {
      this.provider = Objects.requireNonNull(provider, "provider");
      return this;
    }

    /**
     * Validates the settings, reads the files and builds the TLS context.
     *
     * @throws IllegalArgumentException naming the setting (and the file) that is wrong
     */
    public ServerTls build() {
      if (certificateChain == null) {
        throw new IllegalArgumentException("ServerTls certificate is required: give the server's"
            + " certificate chain and private key PEM files with certificate(chain, key)");
      }
      if (failIfNoPeerCert && !verifyPeer) {
        throw new IllegalArgumentException("ServerTls failIfNoPeerCert needs verifyPeer(true):"
            + " a client certificate is only asked for when it is verified");
      }
      if (failIfNoPeerCert && trustCertificates == null) {
        throw new IllegalArgumentException("ServerTls failIfNoPeerCert needs trustCertificates:"
            + " the CA file client certificates are verified against");
      }
      if (protocols.isEmpty()) {
        throw new IllegalArgumentException("ServerTls protocols must not be empty; the default is "
            + DEFAULT_PROTOCOLS);
      }
      if (handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
        throw new IllegalArgumentException("ServerTls handshakeTimeout must be positive, was "
            + handshakeTimeout);
      }
      Provider resolved = resolve(provider);
      X509Certificate[] chain = PemFiles.certificates("ServerTls certificate chain",
          certificateChain);
      PrivateKey key = PemFiles.privateKey("ServerTls private key", privateKey);
      PemFiles.requireKeyMatches("ServerTls certificate", key, privateKey, chain[0],
          certificateChain);
      Supported supported = Supported.of(resolved, key, chain);
      for (String protocol : protocols) {
        if (!supported.protocols.contains(protocol)) {
          throw new IllegalArgumentException("ServerTls protocols: '" + protocol
              + "' is not supported by the " + resolved + " TLS provider; supported: "
              + supported.protocols);
        }
      }
      List<String> javaCiphers = javaCipherNames(ciphers, resolved, supported.ciphers);
      SslContextBuilder context = SslContextBuilder.forServer(key, chain)
          .sslProvider(resolved == Provider.OPENSSL ? SslProvider.OPENSSL : SslProvider.JDK)
          .protocols(protocols)
          .ciphers(javaCiphers.isEmpty() ? null : javaCiphers)
          .clientAuth(!verifyPeer ? ClientAuth.NONE
              : failIfNoPeerCert ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
      if (trustCertificates != null) {
        // Read even when unused, so that a wrong path fails here and not on the day verifyPeer is
        // switched on.
        X509Certificate[] trusted = PemFiles.certificates("ServerTls trustCertificates",
            trustCertificates);
        if (verifyPeer) {
          context.trustManager(trusted);
        }
      }
      try {
        return new ServerTls(this, resolved, javaCiphers, context.build());
      } catch (SSLException | RuntimeException e) {
        throw new IllegalArgumentException("ServerTls: could not set up TLS from certificate "
            + certificateChain + " and key " + privateKey + ": " + e, e);
      }
    }

    private static Provider resolve(Provider provider) {
      boolean openSsl = OpenSsl.isAvailable();
      if (provider == Provider.OPENSSL && !openSsl) {
        throw new IllegalArgumentException("ServerTls provider OPENSSL is not available: put"
            + " io.netty:netty-tcnative-boringssl-static (with this platform's classifier, e.g."
            + " linux-x86_64) on the class path, or use provider AUTO or JDK; cause: "
            + OpenSsl.unavailabilityCause());
      }
      return provider == Provider.JDK || !openSsl ? Provider.JDK : Provider.OPENSSL;
    }

    /** Each name in its Java form, checked against the provider's supported suites. */
    private static List<String> javaCipherNames(List<String> names, Provider provider,
        Set<String> supported) {
      List<String> java = new java.util.ArrayList<>();
      for (String name : names) {
        // OpenSSL lists suites by both names; keep the Java one.
        String converted = CipherSuiteConverter.toJava(name, "TLS");
        String j = converted != null && supported.contains(converted) ? converted : name;
        if (!supported.contains(j)) {
          throw new IllegalArgumentException("ServerTls ciphers: '" + name + "' is not a cipher"
              + " suite the " + provider + " TLS provider supports (by Java or OpenSSL name);"
              + " supported: " + new java.util.TreeSet<>(supported));
        }
        if (!java.contains(j)) {
          java.add(j);
        }
      }
      return List.copyOf(java);
    }
  }

  /** The protocols and cipher suites (Java names) a provider can enable. */
  private record Supported(Set<String> protocols, Set<String> ciphers) {
    static Supported of(Provider provider, PrivateKey key, X509Certificate[] chain) {
      if (provider == Provider.JDK) {
        try {
          javax.net.ssl.SSLParameters p = SSLContext.getDefault().getSupportedSSLParameters();
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
        throw new IllegalArgumentException("ServerTls: OpenSSL could not load the certificate"
            + " and key: " + e, e);
      } finally {
        ReferenceCountUtil.release(probe);
      }
    }
  }
}
