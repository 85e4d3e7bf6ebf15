package io.exproto.transport.dtls;

import io.exproto.tls.TlsSettings;
import io.exproto.transport.TestCertificates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.exproto.handler.PeerCertificate;
import io.exproto.handler.SocketType;
import io.exproto.transport.Link;
import io.exproto.transport.LinkAcceptor;
import io.exproto.transport.LinkListener;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real {@link DtlsListener} on 127.0.0.1 with Scandium clients. */
class DtlsListenerTest {

  static final byte[] SECRET = "sesame".getBytes(StandardCharsets.US_ASCII);

  @TempDir static Path dir;
  static TestCertificates certs;

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final Recorder acceptor = new Recorder();
  private DtlsListener listener;

  @BeforeAll
  static void makeCertificates() throws Exception {
    certs = TestCertificates.create(dir);
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
    if (listener != null) {
      listener.stop().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /** One accepted link's events. */
  static final class Recorded implements LinkListener {
    final Link link;
    final BlockingQueue<String> bytes = new LinkedBlockingQueue<>();
    final List<String> closes = new CopyOnWriteArrayList<>();
    final List<Boolean> onExecutor = new CopyOnWriteArrayList<>();

    Recorded(Link link) {
      this.link = link;
    }

    @Override
    public void onBytes(byte[] data) {
      onExecutor.add(link.executor().inExecutorThread());
      bytes.add(new String(data, StandardCharsets.UTF_8));
    }

    @Override
    public void onClosed(String reason) {
      onExecutor.add(link.executor().inExecutorThread());
      closes.add(reason);
    }
  }

  static final class Recorder implements LinkAcceptor {
    final BlockingQueue<Recorded> accepted = new LinkedBlockingQueue<>();
    final AtomicInteger calls = new AtomicInteger();

    @Override
    public LinkListener accept(Link link) {
      calls.incrementAndGet();
      assertThat(link.executor().inExecutorThread()).isTrue();
      Recorded r = new Recorded(link);
      accepted.add(r);
      return r;
    }

    Recorded next() throws InterruptedException {
      Recorded r = accepted.poll(5, TimeUnit.SECONDS);
      assertThat(r).as("a link was accepted within 5 s").isNotNull();
      return r;
    }
  }

  private InetSocketAddress start(DtlsListener.Builder b) throws Exception {
    listener = b.bind("127.0.0.1", 0).build();
    listener.start(acceptor);
    return listener.localAddress();
  }

  private DtlsClient pskClient(InetSocketAddress server) throws Exception {
    DtlsClient c = DtlsClient.psk(server, "device-1", SECRET);
    closeables.add(c);
    return c;
  }

  /** The server certificate, requiring clients' certificates from the test CA. */
  private static TlsSettings requiringClients() {
    return TlsSettings.server()
        .certificate(certs.server.certificate(), certs.server.privateKey())
        .trustCertificates(certs.ca).clientAuth(TlsSettings.ClientAuth.REQUIRE).build();
  }

  private static DtlsListener.Builder pskListener() {
    return DtlsListener.builder().name("d").psk(Map.of("device-1", SECRET));
  }

  @Test
  void pskRecordsAreEchoedOnePerRecord() throws Exception {
    InetSocketAddress server = start(pskListener());
    DtlsClient client = pskClient(server);

    client.send("hello");
    Recorded link = acceptor.next();
    assertThat(link.bytes.poll(5, TimeUnit.SECONDS)).isEqualTo("hello");
    assertThat(link.link.socketType()).isEqualTo(SocketType.DTLS);
    assertThat(link.link.remoteAddress()).isEqualTo(client.address());
    assertThat(link.link.localAddress()).isEqualTo(server);
    assertThat(link.link.peerCertificate()).isNull();
    assertThat(link.link.listenerName()).isEqualTo("d");
    assertThat(link.link.executor().inExecutorThread()).isFalse();

    link.link.write("world".getBytes(StandardCharsets.UTF_8));
    assertThat(client.receive()).isEqualTo("world");
    client.send("again");
    assertThat(link.bytes.poll(5, TimeUnit.SECONDS)).isEqualTo("again");
    assertThat(link.onExecutor).containsOnly(true);
    assertThat(listener.openConnections()).isEqualTo(1);
  }

  @Test
  void clientCertificateSubjectReachesTheLink() throws Exception {
    InetSocketAddress server = start(DtlsListener.builder().tls(requiringClients()));
    DtlsClient client = DtlsClient.certificate(server, certs.ca, certs.client.certificate(),
        certs.client.privateKey());
    closeables.add(client);

    client.send("hi");
    Recorded link = acceptor.next();
    assertThat(link.bytes.poll(5, TimeUnit.SECONDS)).isEqualTo("hi");
    assertThat(link.link.peerCertificate())
        .isEqualTo(new PeerCertificate("client", "CN=client,O=Org,C=CN"));
  }

  @Test
  void aClientWithoutCertificateIsRefusedWhenOneIsRequired() throws Exception {
    InetSocketAddress server = start(DtlsListener.builder().tls(requiringClients()));
    DtlsClient client = DtlsClient.certificate(server, certs.ca, null, null);
    closeables.add(client);

    assertThat(client.sendAndConfirm("hi", 3000)).isFalse();
    assertThat(acceptor.calls).hasValue(0);
    assertThat(listener.openConnections()).isZero();
  }

  @Test
  void twoClientsAreTwoLinks() throws Exception {
    InetSocketAddress server = start(pskListener());
    DtlsClient a = pskClient(server);
    DtlsClient b = pskClient(server);
    a.send("a");
    Recorded first = acceptor.next();
    b.send("b");
    Recorded second = acceptor.next();
    assertThat(first.bytes.poll(5, TimeUnit.SECONDS)).isEqualTo("a");
    assertThat(second.bytes.poll(5, TimeUnit.SECONDS)).isEqualTo("b");
    assertThat(first.link.remoteAddress()).isEqualTo(a.address());
    assertThat(second.link.remoteAddress()).isEqualTo(b.address());
    assertThat(listener.openConnections()).isEqualTo(2);
  }

  @Test
  void localCloseReportsOnceAndEndsTheSession() throws Exception {
    InetSocketAddress server = start(pskListener());
    DtlsClient client = pskClient(server);
    client.send("x");
    Recorded link = acceptor.next();
    assertThat(link.bytes.poll(5, TimeUnit.SECONDS)).isEqualTo("x");

    link.link.close();
    link.link.close();
    await().atMost(Duration.ofSeconds(5)).until(() -> !link.closes.isEmpty());
    // Still exactly one report 200 ms on: the second close() reported nothing more.
    await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2))
        .until(() -> link.closes.size() == 1);
    assertThat(link.closes).containsExactly("ssl_closed");
    assertThat(listener.openConnections()).isZero();
    assertThat(link.onExecutor).containsOnly(true);

    // The stop reports nothing more for it.
    listener.stop().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(link.closes).containsExactly("ssl_closed");
  }

  @Test
  void aPeerCloseNotifyReportsSslClosed() throws Exception {
    InetSocketAddress server = start(pskListener());
    DtlsClient client = pskClient(server);
    client.send("x");
    Recorded link = acceptor.next();
    assertThat(link.bytes.poll(5, TimeUnit.SECONDS)).isEqualTo("x");

    client.closeSession();
    await().atMost(Duration.ofSeconds(5)).until(() -> !link.closes.isEmpty());
    assertThat(link.closes).containsExactly("ssl_closed");
    assertThat(listener.openConnections()).isZero();
  }

  @Test
  void stopReportsOpenLinksAndFreesThePort() throws Exception {
    InetSocketAddress server = start(pskListener());
    DtlsClient client = pskClient(server);
    client.send("x");
    Recorded link = acceptor.next();
    assertThat(link.bytes.poll(5, TimeUnit.SECONDS)).isEqualTo("x");

    listener.stop().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(link.closes).containsExactly("ssl_closed");

    DtlsListener again = pskListener().bind(server).build();
    again.start(acceptor);
    assertThat(again.localAddress()).isEqualTo(server);
    again.stop().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void sessionsBeyondMaxConnectionsAreRefusedAndCounted() throws Exception {
    InetSocketAddress server = start(pskListener().maxConnections(1));
    DtlsClient a = pskClient(server);
    a.send("a");
    Recorded first = acceptor.next();
    assertThat(first.bytes.poll(5, TimeUnit.SECONDS)).isEqualTo("a");

    DtlsClient b = pskClient(server);
    b.send("b");
    await().atMost(Duration.ofSeconds(5)).until(() -> listener.refusedConnections() >= 1);
    // Refusal happens before the acceptor would be called: still one accepted link.
    assertThat(acceptor.calls).hasValue(1);
    assertThat(listener.openConnections()).isEqualTo(1);
  }

  @Test
  void deniedPeersAreClosedAfterTheHandshakeAndCounted() throws Exception {
    InetSocketAddress server = start(pskListener()
        .accessRules(io.exproto.transport.AccessRules.parse(java.util.List.of("deny all"))));
    DtlsClient a = pskClient(server);
    a.send("a");
    await().atMost(Duration.ofSeconds(5)).until(() -> listener.deniedConnections() >= 1);
    assertThat(acceptor.calls).hasValue(0);
    assertThat(listener.openConnections()).isZero();
  }

  @Test
  void builderNamesTheWrongSetting() {
    assertThatThrownBy(() -> DtlsListener.builder().build())
        .hasMessageContaining("certificate").hasMessageContaining("psk");
    assertThatThrownBy(() -> pskListener().maxConnections(0).build())
        .hasMessageContaining("maxConnections");
    assertThatThrownBy(() -> pskListener().bind("127.0.0.1", 70000).build())
        .hasMessageContaining("bind port");
    assertThatThrownBy(() -> DtlsListener.builder().tls(TlsSettings.server()
        .certificate(certs.server.certificate(), certs.server.privateKey())
        .clientAuth(TlsSettings.ClientAuth.OPTIONAL).build())
        .build()).hasMessageContaining("trustCertificates");
    assertThatThrownBy(() -> DtlsListener.builder().tls(TlsSettings.server()
        .certificate(dir.resolve("missing.pem"), certs.server.privateKey()).build()).build())
        .hasMessageContaining("certificate");
    assertThatThrownBy(() -> pskListener().tls(TlsSettings.client().build()))
        .hasMessageContaining("DtlsListener tls takes server settings");
    assertThatThrownBy(() -> pskListener().tls(TlsSettings.server()
        .certificate(certs.server.certificate(), certs.server.privateKey())
        .ciphers(java.util.List.of("TLS_PSK_WITH_AES_128_CCM_8")).build()).build())
        .hasMessageContaining("ciphers cannot be chosen");
    assertThatThrownBy(() -> pskListener().tls(TlsSettings.server()
        .certificate(certs.server.certificate(), certs.server.privateKey())
        .protocols("TLSv1.3").build()).build())
        .hasMessageContaining("'TLSv1.3' is not supported");
    TlsSettings dtls12 = TlsSettings.server()
        .certificate(certs.server.certificate(), certs.server.privateKey())
        .protocols("DTLSv1.2").build();
    assertThat(pskListener().tls(dtls12).build().tls()).isSameAs(dtls12);
    assertThatThrownBy(() -> DtlsListener.builder().psk(Map.of("id", new byte[0])).build())
        .hasMessageContaining("psk");
    DtlsListener d = pskListener().build();
    assertThat(d.kind()).isEqualTo("dtls");
    assertThat(d.bindAddress().getPort()).isEqualTo(7993);
    assertThat(d.maxConnections()).isEqualTo(1_024_000);
  }
}
