package io.exproto.transport.netty;

import io.exproto.transport.internal.PemFiles;
import io.netty.handler.ssl.CipherSuiteConverter;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
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
import javax.net.ssl.SSLException;

/**
 * The TLS settings of an {@code ssl} listener (SPEC B8 {@code listeners.ssl.<name>.ssl_options}),
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
 *   <li>{@code ciphers}: the JVM's defaults. The cipher suites to offer, in order of preference,
 *       by their Java (IANA) names such as {@code TLS_AES_128_GCM_SHA256} or OpenSSL names such as
 *       {@code ECDHE-RSA-AES256-GCM-SHA384} (as in EMQX's {@code ciphers}); each must be one this
 *       JVM supports.
 *   <li>{@code handshakeTimeout}: 15 s. A handshake not done within it closes the connection.
 * </ul>
 */
public final class ServerTls {

  private static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

  private final Path certificateChain;
  private final Path privateKey;
  private final Path trustCertificates;
  private final boolean verifyPeer;
  private final boolean failIfNoPeerCert;
  private final List<String> protocols;
  private final List<String> ciphers;
  private final Duration handshakeTimeout;
  private final SslContext sslContext;

  private ServerTls(Builder b, List<String> javaCiphers, SslContext sslContext) {
    this.certificateChain = b.certificateChain;
    this.privateKey = b.privateKey;
    this.trustCertificates = b.trustCertificates;
    this.verifyPeer = b.verifyPeer;
    this.failIfNoPeerCert = b.failIfNoPeerCert;
    this.protocols = b.protocols;
    this.ciphers = javaCiphers;
    this.handshakeTimeout = b.handshakeTimeout;
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

  /** The Netty context built from these settings; shared by every connection of a listener. */
  SslContext sslContext() {
    return sslContext;
  }

  @Override
  public String toString() {
    return "ServerTls{certificate=" + certificateChain + ", key=" + privateKey
        + ", trustCertificates=" + trustCertificates + ", verifyPeer=" + verifyPeer
        + ", failIfNoPeerCert=" + failIfNoPeerCert + ", protocols=" + protocols
        + ", ciphers=" + ciphers + ", handshakeTimeout=" + handshakeTimeout + "}";
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
     * The cipher suites to offer, most preferred first, by Java (IANA) or OpenSSL name; none (the
     * default) keeps the JVM's defaults. With TLSv1.3 enabled, list a TLS 1.3 suite too (such as
     * {@code TLS_AES_128_GCM_SHA256}), or TLS 1.3 clients fall back to TLS 1.2.
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
      Set<String> supported = supportedProtocols();
      for (String protocol : protocols) {
        if (!supported.contains(protocol)) {
          throw new IllegalArgumentException("ServerTls protocols: '" + protocol
              + "' is not supported by this JVM; supported: " + supported);
        }
      }
      List<String> javaCiphers = javaCipherNames(ciphers);
      if (handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
        throw new IllegalArgumentException("ServerTls handshakeTimeout must be positive, was "
            + handshakeTimeout);
      }
      X509Certificate[] chain = PemFiles.certificates("ServerTls certificate chain",
          certificateChain);
      PrivateKey key = PemFiles.privateKey("ServerTls private key", privateKey);
      PemFiles.requireKeyMatches("ServerTls certificate", key, privateKey, chain[0],
          certificateChain);
      SslContextBuilder context = SslContextBuilder.forServer(key, chain)
          .sslProvider(SslProvider.JDK)
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
        return new ServerTls(this, javaCiphers, context.build());
      } catch (SSLException | RuntimeException e) {
        throw new IllegalArgumentException("ServerTls: could not set up TLS from certificate "
            + certificateChain + " and key " + privateKey + ": " + e, e);
      }
    }

    /** Each name in its Java form, checked against the JVM's supported suites. */
    private static List<String> javaCipherNames(List<String> names) {
      if (names.isEmpty()) {
        return List.of();
      }
      Set<String> supported;
      try {
        supported = Set.of(SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites());
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("this JVM has no default TLS implementation", e);
      }
      List<String> java = new java.util.ArrayList<>();
      for (String name : names) {
        String j = supported.contains(name) ? name : CipherSuiteConverter.toJava(name, "TLS");
        if (j == null || !supported.contains(j)) {
          throw new IllegalArgumentException("ServerTls ciphers: '" + name + "' is not a cipher"
              + " suite this JVM supports (by Java or OpenSSL name); supported: "
              + new java.util.TreeSet<>(supported));
        }
        if (!java.contains(j)) {
          java.add(j);
        }
      }
      return List.copyOf(java);
    }

    private static Set<String> supportedProtocols() {
      try {
        return Set.of(SSLContext.getDefault().getSupportedSSLParameters().getProtocols());
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("this JVM has no default TLS implementation", e);
      }
    }
  }
}
