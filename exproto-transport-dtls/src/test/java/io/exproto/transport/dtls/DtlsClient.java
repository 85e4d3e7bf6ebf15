package io.exproto.transport.dtls;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.californium.elements.AddressEndpointContext;
import org.eclipse.californium.elements.MessageCallback;
import org.eclipse.californium.elements.RawData;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.CertificateType;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedSinglePskStore;
import org.eclipse.californium.scandium.dtls.x509.SingleCertificateProvider;
import org.eclipse.californium.scandium.dtls.x509.StaticNewAdvancedCertificateVerifier;

/** A Scandium DTLS client on 127.0.0.1 for tests: PSK, or certificates (optionally its own). */
final class DtlsClient implements AutoCloseable {

  static {
    DtlsConfig.register();
  }

  final DTLSConnector connector;
  final InetSocketAddress server;
  final BlockingQueue<String> received = new LinkedBlockingQueue<>();

  private DtlsClient(DtlsConnectorConfig config, InetSocketAddress server) throws Exception {
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
        .set(DtlsConfig.DTLS_MAX_RETRANSMISSIONS, 1)
        .set(DtlsConfig.DTLS_RETRANSMISSION_TIMEOUT, 500L, TimeUnit.MILLISECONDS)
        .set(DtlsConfig.DTLS_RECEIVER_THREAD_COUNT, 1)
        .set(DtlsConfig.DTLS_CONNECTOR_THREAD_COUNT, 1);
  }

  static DtlsClient psk(InetSocketAddress server, String identity, byte[] secret)
      throws Exception {
    return new DtlsClient(base().setAdvancedPskStore(new AdvancedSinglePskStore(identity, secret))
        .build(), server);
  }

  /** A PSK client whose handshake retransmits {@code retransmissions} times, first after {@code
   * firstRetransmissionMillis} (then doubling), before it gives up. */
  static DtlsClient psk(InetSocketAddress server, String identity, byte[] secret,
      long firstRetransmissionMillis, int retransmissions) throws Exception {
    return new DtlsClient(base().setAdvancedPskStore(new AdvancedSinglePskStore(identity, secret))
        .set(DtlsConfig.DTLS_MAX_RETRANSMISSIONS, retransmissions)
        .set(DtlsConfig.DTLS_RETRANSMISSION_TIMEOUT, firstRetransmissionMillis,
            TimeUnit.MILLISECONDS)
        .build(), server);
  }

  /** Verifies the server against {@code ca}; presents {@code cert}/{@code key} if not null. */
  static DtlsClient certificate(InetSocketAddress server, Path ca, Path cert, Path key)
      throws Exception {
    DtlsConnectorConfig.Builder b = base()
        .set(DtlsConfig.DTLS_VERIFY_SERVER_CERTIFICATES_SUBJECT, false)
        .setAdvancedCertificateVerifier(StaticNewAdvancedCertificateVerifier.builder()
            .setTrustedCertificates(certificates(ca)).build());
    if (cert != null) {
      b.setCertificateIdentityProvider(new SingleCertificateProvider(privateKey(key),
          certificates(cert), CertificateType.X_509));
    }
    return new DtlsClient(b.build(), server);
  }

  InetSocketAddress address() {
    return connector.getAddress();
  }

  /** Sends one record (starting the handshake if needed). */
  void send(String text) {
    connector.send(RawData.outbound(text.getBytes(StandardCharsets.UTF_8),
        new AddressEndpointContext(server), null, false));
  }

  /** Sends one record and reports whether the handshake and send succeeded within the time. */
  boolean sendAndConfirm(String text, long millis) throws InterruptedException {
    BlockingQueue<Boolean> outcome = new LinkedBlockingQueue<>();
    connector.send(RawData.outbound(text.getBytes(StandardCharsets.UTF_8),
        new AddressEndpointContext(server), new MessageCallback() {
          @Override
          public void onConnecting() {}

          @Override
          public void onDtlsRetransmission(int flight) {}

          @Override
          public void onContextEstablished(org.eclipse.californium.elements.EndpointContext c) {}

          @Override
          public void onSent() {
            outcome.add(true);
          }

          @Override
          public void onError(Throwable error) {
            outcome.add(false);
          }
        }, false));
    Boolean ok = outcome.poll(millis, TimeUnit.MILLISECONDS);
    return ok != null && ok;
  }

  String receive() throws InterruptedException {
    return received.poll(5, TimeUnit.SECONDS);
  }

  /** Ends the session with a close_notify. */
  void closeSession() {
    connector.close(server);
  }

  @Override
  public void close() {
    connector.destroy();
  }

  static Certificate[] certificates(Path pem) throws Exception {
    try (var in = Files.newInputStream(pem)) {
      return CertificateFactory.getInstance("X.509").generateCertificates(in)
          .toArray(new Certificate[0]);
    }
  }

  static PrivateKey privateKey(Path pem) throws Exception {
    String text = Files.readString(pem).replaceAll("-----[A-Z ]+-----", "");
    return KeyFactory.getInstance("EC")
        .generatePrivate(new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(text)));
  }
}
