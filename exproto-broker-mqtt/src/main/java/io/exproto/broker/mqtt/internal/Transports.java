package io.exproto.broker.mqtt.internal;

import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.MqttClientTransportConfig;
import io.exproto.tls.TlsSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * The HiveMQ transport configuration of a bridge, made once at start (it may resolve the host
 * name, so never on an event loop) and shared by every connection: this is where the bridge's
 * {@link TlsSettings} become HiveMQ's TLS configuration (trust and key manager factories over the
 * key material the settings read; the server name as the address's host string).
 */
public final class Transports {
  private Transports() {}

  /**
   * Builds the transport of {@code cfg}.
   *
   * @throws IllegalArgumentException if the key material cannot be put in a key store
   * @throws UnknownHostException if a TLS server name is set and the host does not resolve
   */
  public static MqttClientTransportConfig build(BridgeConfig cfg) throws UnknownHostException {
    var b = MqttClientTransportConfig.builder()
        .socketConnectTimeout(cfg.connectTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .mqttConnectTimeout(cfg.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
    TlsSettings tls = cfg.tls();
    if (tls != null && tls.serverName().isPresent()) {
      // SNI and hostname verification use the address's host string; connect to the URL's host.
      InetAddress resolved = InetAddress.getByName(cfg.host());
      b.serverAddress(new InetSocketAddress(
          InetAddress.getByAddress(tls.serverName().get(), resolved.getAddress()), cfg.port()));
    } else {
      b.serverHost(cfg.host()).serverPort(cfg.port());
    }
    if (tls != null) {
      b.sslConfig(ssl(tls));
    }
    return b.build();
  }

  private static MqttClientSslConfig ssl(TlsSettings tls) {
    var b = MqttClientSslConfig.builder();
    try {
      if (!tls.trustCertificates().isEmpty()) {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        int i = 0;
        for (X509Certificate c : tls.trustCertificates()) {
          ks.setCertificateEntry("ca" + i++, c);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(
            TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        b.trustManagerFactory(tmf);
      }
      if (tls.privateKey().isPresent()) {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        char[] none = new char[0];
        ks.setKeyEntry("client", tls.privateKey().get(), none,
            tls.certificateChain().toArray(new X509Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(
            KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, none);
        b.keyManagerFactory(kmf);
      }
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException("MqttBroker tls: cannot load the certificates: " + e, e);
    }
    return b.build();
  }
}
