package io.exproto.grpc;

import io.exproto.transport.internal.PemFiles;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * How a {@link GrpcHandler} connects to the handler service over TLS, for an {@code https://}
 * handler address; EMQX's {@code handler.ssl_options}.
 *
 * <pre>{@code
 * HandlerTls tls = HandlerTls.builder()
 *     .trustCertificates(Path.of("/etc/exproto/handler-ca.pem"))          // cacertfile
 *     .keyManager(Path.of("/etc/exproto/gateway.pem"),                      // certfile
 *         Path.of("/etc/exproto/gateway.key"))                              // keyfile
 *     .serverNameIndication("handler.example")                            // server_name_indication
 *     .build();
 * GrpcHandler handler = GrpcHandler.builder()
 *     .address("https://10.0.0.5:9001")
 *     .tls(tls)
 *     .build();
 * }</pre>
 *
 * <p>The handler's certificate is always verified, chain and host name; there is deliberately no
 * setting to skip verification. An {@code https://} address without a {@code HandlerTls} trusts
 * the JDK's default trust store and presents no client certificate.
 *
 * <p>Files are PEM. {@link Builder#build()} checks that they exist and are readable; their
 * contents are read and checked when the {@link GrpcHandler} is built, and not re-read after that
 * (a renewed certificate takes a new handler). Immutable and thread-safe.
 */
public final class HandlerTls {
  private final Path trustCertificates;
  private final Path certificateChain;
  private final Path privateKey;
  private final String serverNameIndication;

  private HandlerTls(Builder builder) {
    this.trustCertificates = builder.trustCertificates;
    this.certificateChain = builder.certificateChain;
    this.privateKey = builder.privateKey;
    this.serverNameIndication = builder.serverNameIndication;
  }

  /** A builder with nothing set: JDK trust store, no client certificate, no SNI override. */
  public static Builder builder() {
    return new Builder();
  }

  /** The CA certificates that verify the handler, if set; else the JDK's default trust store. */
  public Optional<Path> trustCertificates() {
    return Optional.ofNullable(trustCertificates);
  }

  /** The client certificate chain presented to the handler (mutual TLS), if set. */
  public Optional<Path> certificateChain() {
    return Optional.ofNullable(certificateChain);
  }

  /** The private key of {@link #certificateChain()}, if set. */
  public Optional<Path> privateKey() {
    return Optional.ofNullable(privateKey);
  }

  /** The host name sent as SNI and verified against the handler's certificate, if set. */
  public Optional<String> serverNameIndication() {
    return Optional.ofNullable(serverNameIndication);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HandlerTls other
        && Objects.equals(trustCertificates, other.trustCertificates)
        && Objects.equals(certificateChain, other.certificateChain)
        && Objects.equals(privateKey, other.privateKey)
        && Objects.equals(serverNameIndication, other.serverNameIndication);
  }

  @Override
  public int hashCode() {
    return Objects.hash(trustCertificates, certificateChain, privateKey, serverNameIndication);
  }

  @Override
  public String toString() {
    return "HandlerTls[trustCertificates="
        + (trustCertificates == null ? "<JDK default>" : trustCertificates)
        + (certificateChain == null ? "" : ", certificateChain=" + certificateChain
            + ", privateKey=" + privateKey)
        + (serverNameIndication == null ? "" : ", serverNameIndication=" + serverNameIndication)
        + "]";
  }

  /** Configures a {@link HandlerTls}. Not thread-safe; {@link #build()} validates. */
  public static final class Builder {
    private Path trustCertificates;
    private Path certificateChain;
    private Path privateKey;
    private String serverNameIndication;

    private Builder() {}

    /**
     * A PEM file of the CA certificates that verify the handler's certificate
     * ({@code cacertfile}); default: the JDK's default trust store.
     */
    public Builder trustCertificates(Path caPemFile) {
      this.trustCertificates = Objects.requireNonNull(caPemFile, "trustCertificates");
      return this;
    }

    /**
     * The certificate and key the gateway presents to the handler, for mutual TLS
     * ({@code certfile}, {@code keyfile}); default: none. The chain file holds the gateway's
     * certificate first, then any intermediates; the key is an unencrypted PKCS#8
     * ({@code BEGIN PRIVATE KEY}) or PKCS#1 RSA ({@code BEGIN RSA PRIVATE KEY}) PEM key.
     */
    public Builder keyManager(Path certChainPem, Path privateKeyPem) {
      this.certificateChain = Objects.requireNonNull(certChainPem, "certChainPem");
      this.privateKey = Objects.requireNonNull(privateKeyPem, "privateKeyPem");
      return this;
    }

    /**
     * The host name to send as SNI and to verify the handler's certificate against, instead of
     * the address's host ({@code server_name_indication}); lets the gateway connect to an IP
     * address yet verify a host name. It also becomes the calls' {@code :authority}. Default: the
     * address's host.
     *
     * @throws IllegalArgumentException if blank or not a host name (has a port, a path, spaces)
     */
    public Builder serverNameIndication(String hostName) {
      Objects.requireNonNull(hostName, "serverNameIndication");
      if (hostName.isBlank() || !hostName.matches("[A-Za-z0-9._-]+")) {
        throw new IllegalArgumentException("serverNameIndication must be a host name such as "
            + "handler.example, without port or scheme, was '" + hostName + "'");
      }
      this.serverNameIndication = hostName;
      return this;
    }

    /**
     * A new {@link HandlerTls}.
     *
     * @throws IllegalArgumentException naming the setting and the path, if a file does not
     *     exist, is not a regular file, or is not readable
     */
    public HandlerTls build() {
      if (trustCertificates != null) {
        PemFiles.requireReadable("HandlerTls trustCertificates", trustCertificates);
      }
      if (certificateChain != null) {
        PemFiles.requireReadable("HandlerTls keyManager certificate chain", certificateChain);
        PemFiles.requireReadable("HandlerTls keyManager private key", privateKey);
      }
      return new HandlerTls(this);
    }
  }
}
