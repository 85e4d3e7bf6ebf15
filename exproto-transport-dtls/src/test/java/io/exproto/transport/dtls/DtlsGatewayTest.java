package io.exproto.transport.dtls;

import io.exproto.tls.TlsSettings;
import io.exproto.transport.TestCertificates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.exproto.gateway.Gateway;
import io.exproto.handler.AdapterResult;
import io.exproto.handler.ConnInfo;
import io.exproto.handler.ConnectionAdapter;
import io.exproto.handler.ConnectionHandler;
import io.exproto.handler.Message;
import io.exproto.handler.PeerCertificate;
import io.exproto.handler.SocketType;
import io.exproto.handler.TimerType;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gateway engine over a real {@link DtlsListener}, with an in-process handler. */
class DtlsGatewayTest {

  @TempDir Path dir;
  private Gateway gateway;
  private DtlsClient client;
  private Handler handler;

  @AfterEach
  void closeEverything() {
    if (client != null) {
      client.close();
    }
    if (gateway != null) {
      gateway.close();
    }
  }

  /** Records callbacks; {@code echo:<text>} is answered with {@code <text>} via the adapter. */
  static final class Handler implements ConnectionHandler {
    private final ConnectionAdapter adapter;
    final List<ConnInfo> created = new CopyOnWriteArrayList<>();
    final List<String> closed = new CopyOnWriteArrayList<>();
    final List<AdapterResult> results = new CopyOnWriteArrayList<>();

    Handler(ConnectionAdapter adapter) {
      this.adapter = adapter;
    }

    @Override
    public CompletionStage<Void> onSocketCreated(String conn, ConnInfo connInfo) {
      created.add(connInfo);
      return DONE;
    }

    @Override
    public CompletionStage<Void> onReceivedBytes(String conn, byte[] bytes) {
      String text = new String(bytes, StandardCharsets.UTF_8);
      if (text.startsWith("echo:")) {
        adapter.send(conn, text.substring(5).getBytes(StandardCharsets.UTF_8))
            .thenAccept(results::add);
      }
      return DONE;
    }

    @Override
    public CompletionStage<Void> onTimerTimeout(String conn, TimerType type) {
      return DONE;
    }

    @Override
    public CompletionStage<Void> onReceivedMessages(String conn, List<Message> messages) {
      return DONE;
    }

    @Override
    public CompletionStage<Void> onSocketClosed(String conn, String reason) {
      closed.add(reason);
      return DONE;
    }
  }

  private InetSocketAddress startGateway(DtlsListener.Builder dtls) throws Exception {
    gateway = Gateway.builder()
        .listener(dtls.name("dtls").bind("127.0.0.1", 0).build())
        .idleTimeout(Duration.ofSeconds(30))
        .handler(adapter -> handler = new Handler(adapter))
        .build()
        .start();
    return gateway.listenerAddresses().get("dtls");
  }

  @Test
  void pskRecordsAreEchoedThroughTheAdapter() throws Exception {
    InetSocketAddress server = startGateway(
        DtlsListener.builder().psk(Map.of("device-1", DtlsListenerTest.SECRET)));
    client = DtlsClient.psk(server, "device-1", DtlsListenerTest.SECRET);

    client.send("echo:hi");
    assertThat(client.receive()).isEqualTo("hi");
    client.send("echo:again");
    assertThat(client.receive()).isEqualTo("again");

    ConnInfo info = handler.created.get(0);
    assertThat(info.socketType()).isEqualTo(SocketType.DTLS);
    assertThat(info.peer()).isEqualTo(client.address());
    assertThat(info.local()).isEqualTo(server);
    assertThat(info.peerCertificate()).isNull();
    assertThat(gateway.stats().connections()).isEqualTo(1);
    assertThat(handler.results).allMatch(AdapterResult::isSuccess);

    gateway.close();
    assertThat(handler.closed).containsExactly("{shutdown,gateway_stopped}");
    assertThat(gateway.stats().connections()).isZero();
  }

  @Test
  void aClientCertificateReachesConnInfoAndAPeerCloseIsSslClosed() throws Exception {
    TestCertificates certs = TestCertificates.create(dir);
    InetSocketAddress server = startGateway(DtlsListener.builder().tls(TlsSettings.server()
        .certificate(certs.server.certificate(), certs.server.privateKey())
        .trustCertificates(certs.ca).clientAuth(TlsSettings.ClientAuth.REQUIRE).build()));
    client = DtlsClient.certificate(server, certs.ca, certs.client.certificate(),
        certs.client.privateKey());

    client.send("echo:cert");
    assertThat(client.receive()).isEqualTo("cert");
    assertThat(handler.created.get(0).peerCertificate())
        .isEqualTo(new PeerCertificate("client", "CN=client,O=Org,C=CN"));

    client.closeSession();
    await().atMost(Duration.ofSeconds(5)).until(() -> !handler.closed.isEmpty());
    assertThat(handler.closed).containsExactly("{shutdown,ssl_closed}");
    await().atMost(Duration.ofSeconds(5))
        .until(() -> gateway.stats().connections() == 0);
  }
}
