package io.exproto.grpc;

import io.exproto.transport.internal.PemFiles;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * TLS for the {@link GrpcAdapterServer}, EMQX's {@code server.ssl_options} (which EMQX accepted
 * but ignored; this gateway honours it).
 *
 * <pre>{@code
 * AdapterTls tls = AdapterTls.builder()
 *     .certificate(Path.of("/etc/exproto/adapter.pem"), Path.of("/etc/exproto/adapter.key"))
 *     .trustCertificates(Path.of("/etc/exproto/handlers-ca.pem"))
 *     .clientAuth(AdapterTls.ClientAuth.REQUIRE)   // only handlers with a certificate from that CA
 *     .build();
 * GrpcAdapterServer server = GrpcAdapterServer.builder(gateway.adapter()).tls(tls).build();
 * }</pre>
 *
 * <p>EMQX's {@code verify = verify_none} is {@link ClientAuth#NONE}, {@code verify_peer} is
 * {@link ClientAuth#OPTIONAL}, and {@code verify_peer} with {@code fail_if_no_peer_cert = true}
 * is {@link ClientAuth#REQUIRE}.
 *
 * <p>Files are PEM. {@link Builder#build()} checks that they exist and are readable and that the
 * settings fit together; their contents are read and checked when the server is built, and not
 * re-read after that. Immutable and thread-safe.
 */
public final class AdapterTls {

  /** Whether the server asks handlers for a client certificate. */
  public enum ClientAuth {
    /** No client certificate is asked for ({@code verify_none}); the default. */
    NONE,
    /**
     * A client certificate is asked for and verified if sent, but a handler without one is let
     * in ({@code verify_peer}).
     */
    OPTIONAL,
    /**
     * A handler must present a certificate that {@link Builder#trustCertificates} verifies, or the
     * TLS handshake fails ({@code verify_peer} with {@code fail_if_no_peer_cert = true}).
     */
    REQUIRE
  }

  private final Path certificateChain;
  private final Path privateKey;
  private final Path trustCertificates;
  private final ClientAuth clientAuth;

  private AdapterTls(Builder builder) {
    this.certificateChain = builder.certificateChain;
    this.privateKey = builder.privateKey;
    this.trustCertificates = builder.trustCertificates;
    this.clientAuth = builder.clientAuth;
  }

  /** A builder; {@link Builder#certificate} must be set. */
  public static Builder builder() {
    return new Builder();
  }

  /** The server's certificate chain. */
  public Path certificateChain() {
    return certificateChain;
  }

  /** The private key of {@link #certificateChain()}. */
  public Path privateKey() {
    return privateKey;
  }

  /**
   * The CA certificates that verify handlers' client certificates, if set; else the JDK's
   * default trust store.
   */
  public Optional<Path> trustCertificates() {
    return Optional.ofNullable(trustCertificates);
  }

  /** Whether handlers are asked for a client certificate. */
  public ClientAuth clientAuth() {
    return clientAuth;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AdapterTls other
        && certificateChain.equals(other.certificateChain)
        && privateKey.equals(other.privateKey)
        && Objects.equals(trustCertificates, other.trustCertificates)
        && clientAuth == other.clientAuth;
  }

  @Override
  public int hashCode() {
    return Objects.hash(certificateChain, privateKey, trustCertificates, clientAuth);
  }

  @Override
  public String toString() {
    return "AdapterTls[certificateChain=" + certificateChain + ", privateKey=" + privateKey
        + (trustCertificates == null ? "" : ", trustCertificates=" + trustCertificates)
        + ", clientAuth=" + clientAuth + "]";
  }

  /** Configures an {@link AdapterTls}. Not thread-safe; {@link #build()} validates. */
  public static final class Builder {
    private Path certificateChain;
    private Path privateKey;
    private Path trustCertificates;
    private ClientAuth clientAuth = ClientAuth.NONE;

    private Builder() {}

    /**
     * The server's certificate and key ({@code certfile}, {@code keyfile}); required. The chain
     * file holds the server's certificate first, then any intermediates; the key is an
     * unencrypted PKCS#8 ({@code BEGIN PRIVATE KEY}) or PKCS#1 RSA ({@code BEGIN RSA PRIVATE KEY})
     * PEM key.
     */
    public Builder certificate(Path certChainPem, Path privateKeyPem) {
      this.certificateChain = Objects.requireNonNull(certChainPem, "certChainPem");
      this.privateKey = Objects.requireNonNull(privateKeyPem, "privateKeyPem");
      return this;
    }

    /**
     * A PEM file of the CA certificates that verify handlers' client certificates
     * ({@code cacertfile}); needed for {@link ClientAuth#REQUIRE}. With
     * {@link ClientAuth#OPTIONAL} and no file, the JDK's default trust store is used; with
     * {@link ClientAuth#NONE} it is not used.
     */
    public Builder trustCertificates(Path caPem) {
      this.trustCertificates = Objects.requireNonNull(caPem, "trustCertificates");
      return this;
    }

    /** Whether handlers are asked for a client certificate; default {@link ClientAuth#NONE}. */
    public Builder clientAuth(ClientAuth clientAuth) {
      this.clientAuth = Objects.requireNonNull(clientAuth, "clientAuth");
      return this;
    }

    /**
     * A new {@link AdapterTls}.
     *
     * @throws IllegalStateException if {@link #certificate} is not set, or
     *     {@link ClientAuth#REQUIRE} is set without {@link #trustCertificates}
     * @throws IllegalArgumentException naming the setting and the path, if a file does not
     *     exist, is not a regular file, or is not readable
     */
    public AdapterTls build() {
      if (certificateChain == null) {
        throw new IllegalStateException("AdapterTls needs certificate(certChainPem, privateKeyPem):"
            + " the adapter server's certificate and private key");
      }
      if (clientAuth == ClientAuth.REQUIRE && trustCertificates == null) {
        throw new IllegalStateException("AdapterTls clientAuth REQUIRE needs"
            + " trustCertificates(caPem): the CA that signed the handlers' client certificates");
      }
      PemFiles.requireReadable("AdapterTls certificate chain", certificateChain);
      PemFiles.requireReadable("AdapterTls private key", privateKey);
      if (trustCertificates != null) {
        PemFiles.requireReadable("AdapterTls trustCertificates", trustCertificates);
      }
      return new AdapterTls(this);
    }
  }
}
