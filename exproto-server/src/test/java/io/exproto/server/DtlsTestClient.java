package io.exproto.server;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.californium.elements.AddressEndpointContext;
import org.eclipse.californium.elements.RawData;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedSinglePskStore;
import org.eclipse.californium.scandium.dtls.x509.StaticNewAdvancedCertificateVerifier;

/** A Scandium DTLS device on 127.0.0.1: PSK, or certificates trusting a CA. */
final class DtlsTestClient implements AutoCloseable {

  static {
    DtlsConfig.register();
  }

  private final DTLSConnector connector;
  private final InetSocketAddress server;
  private final BlockingQueue<String> received = new LinkedBlockingQueue<>();

  private DtlsTestClient(DtlsConnectorConfig config, InetSocketAddress server) throws Exception {
    this.server = server;
    connector = new DTLSConnector(config);
    connector.setRawDataReceiver(
        data -> received.add(new String(data.getBytes(), StandardCharsets.UTF_8)));
    connector.start();
  }

  private static DtlsConnectorConfig.Builder base() {
    return DtlsConnectorConfig.builder(new Configuration())
        .setAddress(new InetSocketAddress("127.0.0.1", 0))
        .set(DtlsConfig.DTLS_ROLE, DtlsConfig.DtlsRole.CLIENT_ONLY)
        .set(DtlsConfig.DTLS_MAX_RETRANSMISSIONS, 2)
        .set(DtlsConfig.DTLS_RETRANSMISSION_TIMEOUT, 1000L, TimeUnit.MILLISECONDS)
        .set(DtlsConfig.DTLS_RECEIVER_THREAD_COUNT, 1)
        .set(DtlsConfig.DTLS_CONNECTOR_THREAD_COUNT, 1);
  }

  /** Offers only PSK cipher suites, with {@code identity} and the bytes of {@code secret}. */
  static DtlsTestClient psk(InetSocketAddress server, String identity, byte[] secret)
      throws Exception {
    return new DtlsTestClient(base()
        .setAdvancedPskStore(new AdvancedSinglePskStore(identity, secret)).build(), server);
  }

  /** Offers only certificate cipher suites and verifies the server against {@code caPem}. */
  static DtlsTestClient certificate(InetSocketAddress server, Path caPem) throws Exception {
    Certificate[] trusted;
    try (InputStream in = Files.newInputStream(caPem)) {
      trusted = CertificateFactory.getInstance("X.509").generateCertificates(in)
          .toArray(new Certificate[0]);
    }
    return new DtlsTestClient(base()
        .set(DtlsConfig.DTLS_VERIFY_SERVER_CERTIFICATES_SUBJECT, false)
        .setAdvancedCertificateVerifier(StaticNewAdvancedCertificateVerifier.builder()
            .setTrustedCertificates(trusted).build()).build(), server);
  }

  /** Sends one record (starting the handshake if needed). */
  void send(String text) {
    connector.send(RawData.outbound(text.getBytes(StandardCharsets.UTF_8),
        new AddressEndpointContext(server), null, false));
  }

  /** The next record from the gateway, or null after 10 s. */
  String receive() throws InterruptedException {
    return receive(10_000);
  }

  /** The next record from the gateway, or null after {@code millis}. */
  String receive(long millis) throws InterruptedException {
    return received.poll(millis, TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    connector.destroy();
  }
}
