package io.exproto.transport.dtls;

import io.exproto.handler.SocketType;
import io.exproto.transport.AbstractTransportConformanceTest;
import io.exproto.transport.TransportListener;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;

/**
 * {@link AbstractTransportConformanceTest} for a PSK {@link DtlsListener}, with a Scandium
 * client. Closing the client sends a close_notify first, so a peer close is detected.
 */
class DtlsTransportConformanceTest extends AbstractTransportConformanceTest {

  private final List<DtlsClient> clients = new ArrayList<>();

  @AfterAll
  void destroyClients() {
    clients.forEach(DtlsClient::close);
  }

  @Override
  protected TransportListener newListener(int port) {
    return DtlsListener.builder().name("conformance").bind("127.0.0.1", port)
        .psk(Map.of("device-1", DtlsListenerTest.SECRET)).build();
  }

  @Override
  protected TestClient connect(InetSocketAddress address) throws Exception {
    DtlsClient client = DtlsClient.psk(address, "device-1", DtlsListenerTest.SECRET);
    clients.add(client);
    return new TestClient() {
      private boolean closed;

      @Override
      public void send(byte[] bytes) {
        client.send(new String(bytes, StandardCharsets.US_ASCII)); // the cases send ASCII
      }

      @Override
      public byte[] receive(int bytes, Duration timeout) throws InterruptedException {
        String record = client.received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (record == null) {
          throw new AssertionError("no record within " + timeout);
        }
        return record.getBytes(StandardCharsets.US_ASCII);
      }

      @Override
      public InetSocketAddress localAddress() {
        return client.address();
      }

      /** Sends a close_notify; the connector is destroyed after the class, not to cut it off. */
      @Override
      public void close() {
        if (!closed) {
          closed = true;
          client.closeSession();
        }
      }
    };
  }

  @Override
  protected SocketType expectedSocketType() {
    return SocketType.DTLS;
  }

  @Override
  protected String expectedPeerCloseReason() {
    return "ssl_closed";
  }

  @Override
  protected boolean datagram() {
    return true;
  }
}
