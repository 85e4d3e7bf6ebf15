package io.exproto.tls;

import io.exproto.transport.internal.PemFiles;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * TLS settings, for every TLS use of exproto: EMQX's {@code ssl_options} (and a dtls listener's
 * {@code dtls_options}) as plain Java. Each module turns them into its TLS library's form when
 * the listener, server, handler or bridge is built. Immutable and thread-safe.
 *
 * <p>Two sides, each with its own builder:
 *
 * <ul>
 *   <li>{@link #server()}: the gateway accepts TLS. An {@code ssl} listener ({@code
 *       TcpListener.Builder.tls}), a dtls listener ({@code DtlsListener.Builder.tls}), the gRPC
 *       adapter server ({@code GrpcAdapterServer.Builder.tls}). The certificate is required; the
 *       trusted certificates verify clients' certificates, as {@link ClientAuth} asks.
 *   <li>{@link #client()}: the gateway connects over TLS. To a remote handler ({@code
 *       GrpcHandler.Builder.tls}) or to an MQTT broker ({@code MqttBroker.Builder.tls}). The
 *       certificate is optional (mutual TLS); the trusted certificates verify the server. The
 *       server's certificate is always verified, its chain and its host name (the address's host,
 *       or {@link ClientBuilder#serverName}, which is also sent as SNI): there is deliberately no
 *       setting to skip that.
 * </ul>
 *
 * <pre>{@code
 * TlsSettings listener = TlsSettings.server()
 *     .certificate(Path.of("server.pem"), Path.of("server.key"))   // certfile, keyfile
 *     .trustCertificates(Path.of("ca.pem"))                         // cacertfile
 *     .clientAuth(TlsSettings.ClientAuth.REQUIRE)      // verify_peer, fail_if_no_peer_cert
 *     .build();
 * TlsSettings toHandler = TlsSettings.client()
 *     .trustCertificates(Path.of("handler-ca.pem"))
 *     .serverName("handler.example")                                // server_name_indication
 *     .build();
 * }</pre>
 *
 * <p>Settings, with their EMQX names and defaults:
 *
 * <ul>
 *   <li>{@code certificate}: the certificate chain (PEM, own certificate first, then any
 *       intermediates) and its private key (PEM, unencrypted PKCS#8 {@code BEGIN PRIVATE KEY} or
 *       PKCS#1 {@code BEGIN RSA PRIVATE KEY}); {@code certfile} and {@code keyfile}. Or the same
 *       in memory. Required on the server side; none by default on the client side.
 *   <li>{@code trustCertificates}: the CA certificates (PEM file or in memory); {@code
 *       cacertfile}. Default: the JDK's default trust store (a dtls listener has none: it needs
 *       them to verify clients).
 *   <li>{@code clientAuth} (server side): {@link ClientAuth#NONE}, the default ({@code verify =
 *       verify_none}); {@link ClientAuth#OPTIONAL} ({@code verify_peer}); {@link
 *       ClientAuth#REQUIRE} ({@code verify_peer} with {@code fail_if_no_peer_cert = true}), which
 *       needs {@code trustCertificates}.
 *   <li>{@code protocols}: the TLS versions by their Java names, e.g. {@code TLSv1.3}; {@code
 *       versions}. Default (none given): {@code TLSv1.3, TLSv1.2}, and {@code DTLSv1.2} on a dtls
 *       listener. Only ssl listeners can change them; a dtls listener takes {@code DTLSv1.2}
 *       only; the other uses refuse them.
 *   <li>{@code ciphers}: the cipher suites to offer, most preferred first; {@code ciphers}.
 *       Default (none given): the TLS implementation's. Only ssl listeners can choose them (by
 *       Java or OpenSSL name); the other uses refuse them.
 *   <li>{@code serverName} (client side): the host name sent as SNI and verified against the
 *       server's certificate instead of the address's host; {@code server_name_indication}.
 * </ul>
 *
 * <p>{@link Builder#build()} reads and checks the files
 * (that each exists and holds what it should, that the key belongs to the certificate), so a wrong
 * file is reported, naming the setting and the path, when the settings are built rather than at
 * the first handshake. The files are not read again: a renewed certificate takes new settings.
 */
public final class TlsSettings {

  /** Which end of the connection the gateway is. */
  public enum Side {
    /** The gateway accepts TLS connections: {@link TlsSettings#server()}. */
    SERVER,
    /** The gateway makes TLS connections: {@link TlsSettings#client()}. */
    CLIENT
  }

  /** Whether a server asks its clients for a certificate. */
  public enum ClientAuth {
    /** No client certificate is asked for ({@code verify = verify_none}); the default. */
    NONE,
    /**
     * A client certificate is asked for and verified if sent, but a client without one is let in
     * ({@code verify = verify_peer}).
     */
    OPTIONAL,
    /**
     * A client must present a certificate that the trusted certificates verify, or its handshake
     * fails ({@code verify = verify_peer} with {@code fail_if_no_peer_cert = true}).
     */
    REQUIRE
  }

  private final Side side;
  private final Path certificateChainFile;
  private final Path privateKeyFile;
  private final List<X509Certificate> certificateChain;
  private final PrivateKey privateKey;
  private final Path trustCertificatesFile;
  private final List<X509Certificate> trustCertificates;
  private final ClientAuth clientAuth;
  private final List<String> protocols;
  private final List<String> ciphers;
  private final String serverName;

  private TlsSettings(Builder<?> b, List<X509Certificate> chain, PrivateKey key,
      List<X509Certificate> trust) {
    this.side = b.side;
    this.certificateChainFile = b.certificateChainFile;
    this.privateKeyFile = b.privateKeyFile;
    this.certificateChain = chain;
    this.privateKey = key;
    this.trustCertificatesFile = b.trustCertificatesFile;
    this.trustCertificates = trust;
    this.clientAuth = b.clientAuth;
    this.protocols = b.protocols == null ? List.of() : b.protocols;
    this.ciphers = b.ciphers;
    this.serverName = b.serverName;
  }

  /** Settings for accepting TLS; {@link ServerBuilder#certificate} must be set. */
  public static ServerBuilder server() {
    return new ServerBuilder();
  }

  /** Settings for connecting over TLS: the JDK's trust store and no client certificate. */
  public static ClientBuilder client() {
    return new ClientBuilder();
  }

  /** Which side these settings are for. */
  public Side side() {
    return side;
  }

  /**
   * The certificate chain presented to the peer, own certificate first; empty without one (only
   * on the client side).
   */
  public List<X509Certificate> certificateChain() {
    return certificateChain;
  }

  /** The private key of {@link #certificateChain()}; empty without a certificate. */
  public Optional<PrivateKey> privateKey() {
    return Optional.ofNullable(privateKey);
  }

  /** The PEM file {@link #certificateChain()} was read from, if it came from one. */
  public Optional<Path> certificateChainFile() {
    return Optional.ofNullable(certificateChainFile);
  }

  /** The PEM file {@link #privateKey()} was read from, if it came from one. */
  public Optional<Path> privateKeyFile() {
    return Optional.ofNullable(privateKeyFile);
  }

  /**
   * The CA certificates that verify the peer's certificate; empty for the JDK's default trust
   * store. Read even when unused (a server with {@link ClientAuth#NONE}), so that a wrong file
   * shows at once.
   */
  public List<X509Certificate> trustCertificates() {
    return trustCertificates;
  }

  /** The PEM file {@link #trustCertificates()} were read from, if they came from one. */
  public Optional<Path> trustCertificatesFile() {
    return Optional.ofNullable(trustCertificatesFile);
  }

  /** Whether clients are asked for a certificate; always {@link ClientAuth#NONE} on the client. */
  public ClientAuth clientAuth() {
    return clientAuth;
  }

  /** The TLS versions to enable, by Java name; empty for the use's default. */
  public List<String> protocols() {
    return protocols;
  }

  /** The cipher suites to offer, most preferred first, as given; empty for the defaults. */
  public List<String> ciphers() {
    return ciphers;
  }

  /**
   * The host name sent as SNI and verified against the server's certificate instead of the
   * address's host; empty for the address's host, and always on the server side.
   */
  public Optional<String> serverName() {
    return Optional.ofNullable(serverName);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TlsSettings other
        && side == other.side
        && Objects.equals(certificateChainFile, other.certificateChainFile)
        && Objects.equals(privateKeyFile, other.privateKeyFile)
        && certificateChain.equals(other.certificateChain)
        && Objects.equals(privateKey, other.privateKey)
        && Objects.equals(trustCertificatesFile, other.trustCertificatesFile)
        && trustCertificates.equals(other.trustCertificates)
        && clientAuth == other.clientAuth
        && protocols.equals(other.protocols)
        && ciphers.equals(other.ciphers)
        && Objects.equals(serverName, other.serverName);
  }

  @Override
  public int hashCode() {
    return Objects.hash(side, certificateChainFile, certificateChain, trustCertificatesFile,
        trustCertificates, clientAuth, protocols, ciphers, serverName);
  }

  /** The settings, naming files and certificate subjects; never the key. */
  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("TlsSettings[").append(side);
    if (certificateChainFile != null) {
      s.append(", certificate=").append(certificateChainFile).append(", privateKey=")
          .append(privateKeyFile);
    } else if (!certificateChain.isEmpty()) {
      s.append(", certificate=").append(subject(certificateChain.get(0))).append(" (in memory)");
    }
    s.append(", trustCertificates=");
    if (trustCertificatesFile != null) {
      s.append(trustCertificatesFile);
    } else if (!trustCertificates.isEmpty()) {
      s.append(trustCertificates.size()).append(" in memory");
    } else {
      s.append("<JDK default>");
    }
    if (side == Side.SERVER) {
      s.append(", clientAuth=").append(clientAuth);
    }
    if (!protocols.isEmpty()) {
      s.append(", protocols=").append(protocols);
    }
    if (!ciphers.isEmpty()) {
      s.append(", ciphers=").append(ciphers);
    }
    if (serverName != null) {
      s.append(", serverName=").append(serverName);
    }
    return s.append(']').toString();
  }

  private static String subject(X509Certificate certificate) {
    return certificate.getSubjectX500Principal().getName();
  }

  /**
   * What both sides set. Setters only record (and reject nulls); {@code build()} reads the files
   * and validates. Not thread-safe.
   *
   * @param <B> the side's builder
   */
  public abstract static class Builder<B extends Builder<B>> {
    private final Side side;
    private Path certificateChainFile;
    private Path privateKeyFile;
    private List<X509Certificate> certificateChain;
    private PrivateKey privateKey;
    private Path trustCertificatesFile;
    private List<X509Certificate> trustCertificates;
    ClientAuth clientAuth = ClientAuth.NONE;
    private List<String> protocols;
    private List<String> ciphers = List.of();
    String serverName;

    Builder(Side side) {
      this.side = side;
    }

    @SuppressWarnings("unchecked")
    private B self() {
      return (B) this;
    }

    /**
     * The certificate chain (PEM: own certificate first, then any intermediates) and its private
     * key (PEM: unencrypted PKCS#8 {@code BEGIN PRIVATE KEY} or PKCS#1 {@code BEGIN RSA PRIVATE
     * KEY}); EMQX {@code certfile} and {@code keyfile}. Replaces an in-memory certificate.
     */
    public B certificate(Path certChainPem, Path privateKeyPem) {
      this.certificateChainFile = Objects.requireNonNull(certChainPem, "certChainPem");
      this.privateKeyFile = Objects.requireNonNull(privateKeyPem, "privateKeyPem");
      this.certificateChain = null;
      this.privateKey = null;
      return self();
    }

    /**
     * The certificate chain (own certificate first) and its private key, in memory. Replaces a
     * certificate from files.
     */
    public B certificate(List<X509Certificate> chain, PrivateKey privateKey) {
      this.certificateChain = List.copyOf(chain); // rejects null elements
      this.privateKey = Objects.requireNonNull(privateKey, "privateKey");
      this.certificateChainFile = null;
      this.privateKeyFile = null;
      return self();
    }

    /**
     * A PEM file of the CA certificates that verify the peer's certificate; EMQX {@code
     * cacertfile}. Default: the JDK's default trust store.
     */
    public B trustCertificates(Path caPem) {
      this.trustCertificatesFile = Objects.requireNonNull(caPem, "trustCertificates");
      this.trustCertificates = null;
      return self();
    }

    /** The CA certificates that verify the peer's certificate, in memory; at least one. */
    public B trustCertificates(List<X509Certificate> caCertificates) {
      this.trustCertificates = List.copyOf(caCertificates); // rejects null elements
      this.trustCertificatesFile = null;
      return self();
    }

    /**
     * The TLS versions to enable, by Java name, e.g. {@code "TLSv1.3"}; EMQX {@code versions}.
     * Default: the use's (see {@link TlsSettings}).
     */
    public B protocols(String... protocols) {
      this.protocols = List.copyOf(Arrays.asList(protocols)); // rejects null elements
      return self();
    }

    /** As {@link #protocols(String...)}. */
    public B protocols(List<String> protocols) {
      this.protocols = List.copyOf(protocols); // rejects null elements
      return self();
    }

    /**
     * The cipher suites to offer, most preferred first; EMQX {@code ciphers}. None (the default)
     * keeps the TLS implementation's defaults. Which names a use takes: see {@link TlsSettings}.
     */
    public B ciphers(List<String> ciphers) {
      this.ciphers = List.copyOf(ciphers); // rejects null elements
      return self();
    }

    /**
     * Validates the settings and reads the files.
     *
     * @throws IllegalArgumentException naming the setting (and the file) that is wrong
     */
    public TlsSettings build() {
      if (side == Side.SERVER && certificateChainFile == null && certificateChain == null) {
        throw new IllegalArgumentException("TlsSettings.server() needs certificate(certChainPem,"
            + " privateKeyPem): the server's certificate chain and private key");
      }
      if (clientAuth == ClientAuth.REQUIRE && trustCertificatesFile == null
          && trustCertificates == null) {
        throw new IllegalArgumentException("TlsSettings clientAuth REQUIRE needs"
            + " trustCertificates: the CA that signed the clients' certificates");
      }
      if (protocols != null && protocols.isEmpty()) {
        throw new IllegalArgumentException("TlsSettings protocols must not be empty; leave them"
            + " unset for the default");
      }
      for (String protocol : protocols == null ? List.<String>of() : protocols) {
        if (protocol.isBlank()) {
          throw new IllegalArgumentException("TlsSettings protocols: a name is blank");
        }
      }
      for (String cipher : ciphers) {
        if (cipher.isBlank()) {
          throw new IllegalArgumentException("TlsSettings ciphers: a name is blank");
        }
      }
      List<X509Certificate> chain = List.of();
      PrivateKey key = null;
      if (certificateChainFile != null) {
        chain = List.of(PemFiles.certificates("TlsSettings certificate chain",
            certificateChainFile));
        key = PemFiles.privateKey("TlsSettings private key", privateKeyFile);
        PemFiles.requireKeyMatches("TlsSettings certificate", key, privateKeyFile, chain.get(0),
            certificateChainFile);
      } else if (certificateChain != null) {
        if (certificateChain.isEmpty()) {
          throw new IllegalArgumentException("TlsSettings certificate: the chain is empty; give"
              + " the own certificate first, then any intermediates");
        }
        chain = certificateChain;
        key = privateKey;
        if (!PemFiles.keyMatches(key, chain.get(0))) {
          throw new IllegalArgumentException("TlsSettings certificate: the private key does not"
              + " belong to the first certificate of the chain (" + subject(chain.get(0)) + ")");
        }
      }
      List<X509Certificate> trust = List.of();
      if (trustCertificatesFile != null) {
        trust = List.of(PemFiles.certificates("TlsSettings trustCertificates",
            trustCertificatesFile));
      } else if (trustCertificates != null) {
        if (trustCertificates.isEmpty()) {
          throw new IllegalArgumentException("TlsSettings trustCertificates: no certificate"
              + " given; leave them unset for the JDK's default trust store");
        }
        trust = trustCertificates;
      }
      return new TlsSettings(this, chain, key, trust);
    }
  }

  /** Settings for accepting TLS: {@link TlsSettings#server()}. */
  public static final class ServerBuilder extends Builder<ServerBuilder> {
    private ServerBuilder() {
      super(Side.SERVER);
    }

    /**
     * Whether clients are asked for a certificate; default {@link ClientAuth#NONE}. {@link
     * ClientAuth#REQUIRE} needs {@link #trustCertificates}; {@link ClientAuth#OPTIONAL} without
     * them verifies against the JDK's default trust store.
     */
    public ServerBuilder clientAuth(ClientAuth clientAuth) {
      this.clientAuth = Objects.requireNonNull(clientAuth, "clientAuth");
      return this;
    }
  }

  /** Settings for connecting over TLS: {@link TlsSettings#client()}. */
  public static final class ClientBuilder extends Builder<ClientBuilder> {
    private ClientBuilder() {
      super(Side.CLIENT);
    }

    /**
     * The host name to send as SNI and to verify the server's certificate against, instead of
     * the address's host ({@code server_name_indication}); lets the gateway connect to an IP
     * address yet verify a host name. Default: the address's host.
     *
     * @throws IllegalArgumentException if blank or not a host name (has a port, a path, spaces)
     */
    public ClientBuilder serverName(String hostName) {
      Objects.requireNonNull(hostName, "serverName");
      if (hostName.isBlank() || !hostName.matches("[A-Za-z0-9._-]+")) {
        throw new IllegalArgumentException("TlsSettings serverName must be a host name such as"
            + " handler.example, without port or scheme, was '" + hostName + "'");
      }
      this.serverName = hostName;
      return this;
    }
  }
}
