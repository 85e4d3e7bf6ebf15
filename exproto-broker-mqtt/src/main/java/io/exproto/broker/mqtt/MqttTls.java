package io.exproto.broker.mqtt;

import io.exproto.transport.internal.PemFiles;
import java.nio.file.Path;
import java.util.Objects;

/**
 * TLS towards the external broker ({@code mqtts://}): which certificates to trust, an optional
 * client certificate, and the server name to send (SNI) and verify. Immutable; built by
 * {@link #builder()}. Files are PEM and are read when the broker starts.
 *
 * <p>Without trusted certificates the JDK's default trust store is used. The broker's certificate
 * must always match the server name (the URL's host unless {@link Builder#serverName} is set):
 * hostname verification cannot be turned off.
 */
public final class MqttTls {
  private final Path trustCertificates;
  private final Path certificateChain;
  private final Path privateKey;
  private final String serverName;

  private MqttTls(Builder b) {
    this.trustCertificates = b.trustCertificates;
    this.certificateChain = b.certificateChain;
    this.privateKey = b.privateKey;
    this.serverName = b.serverName;
  }

  /** A builder with the JDK's trust store, no client certificate and the URL's host as name. */
  public static Builder builder() {
    return new Builder();
  }

  /** The CA certificates (PEM) the broker's certificate must chain to, or null for the JDK's. */
  public Path trustCertificates() {
    return trustCertificates;
  }

  /** The client certificate chain (PEM) presented to the broker, or null for none. */
  public Path certificateChain() {
    return certificateChain;
  }

  /** The private key (PEM, PKCS#8 or PKCS#1) of {@link #certificateChain()}, or null. */
  public Path privateKey() {
    return privateKey;
  }

  /** The name sent as SNI and verified in the broker's certificate; null means the URL's host. */
  public String serverName() {
    return serverName;
  }

  @Override
  public String toString() {
    return "MqttTls[trust=" + (trustCertificates == null ? "JDK default" : trustCertificates)
        + ", clientCertificate=" + certificateChain + ", serverName=" + serverName + "]";
  }

  /** Builds {@link MqttTls}; not thread-safe. */
  public static final class Builder {
    private Path trustCertificates;
    private Path certificateChain;
    private Path privateKey;
    private String serverName;

    private Builder() {}

    /** The CA certificates (PEM) to trust instead of the JDK's default trust store. */
    public Builder trustCertificates(Path pemFile) {
      this.trustCertificates = Objects.requireNonNull(pemFile, "pemFile");
      return this;
    }

    /** A client certificate chain and its private key (both PEM) to present to the broker. */
    public Builder keyManager(Path certificateChain, Path privateKey) {
      this.certificateChain = Objects.requireNonNull(certificateChain, "certificateChain");
      this.privateKey = Objects.requireNonNull(privateKey, "privateKey");
      return this;
    }

    /**
     * The server name to send (SNI) and to verify in the broker's certificate, when it differs
     * from the host in the broker URL (connecting by IP address to a broker known by name, say).
     */
    public Builder serverName(String serverName) {
      Objects.requireNonNull(serverName, "serverName");
      if (serverName.isBlank()) {
        throw new IllegalArgumentException("MqttTls serverName must not be blank");
      }
      this.serverName = serverName;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalArgumentException if a file is missing or unreadable
     */
    public MqttTls build() {
      if (trustCertificates != null) {
        PemFiles.requireReadable("MqttTls trustCertificates", trustCertificates);
      }
      if (certificateChain != null) {
        PemFiles.requireReadable("MqttTls keyManager certificate chain", certificateChain);
        PemFiles.requireReadable("MqttTls keyManager private key", privateKey);
      }
      return new MqttTls(this);
    }
  }
}
