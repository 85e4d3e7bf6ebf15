package io.exproto.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.exproto.remote.RemoteHandlerGateway.InvalidSettingsException;
import io.exproto.testkit.TcpTestDevice;
import io.exproto.tls.TlsSettings;
import io.exproto.transport.netty.TcpListener;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A gateway with a remote handler over real sockets: a TCP device, the gateway, a gRPC handler
 * service on a port, and the adapter it calls back; then what closing releases.
 */
class RemoteHandlerGatewayTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private EchoHandlerService handler;
  private RemoteHandlerGateway gateway;

  @BeforeEach
  void startHandler() throws Exception {
    handler = new EchoHandlerService();
  }

  @AfterEach
  void stopEverything() throws Exception {
    try {
      if (gateway != null) {
        gateway.close();
      }
    } finally {
      handler.close();
    }
  }

  private RemoteHandlerGateway.Builder loopback() {
    return RemoteHandlerGateway.builder()
        .handlerAddress(handler.url())
        .adapterBind(new InetSocketAddress("127.0.0.1", 0))
        .listener(TcpListener.builder().name("tcp").bind("127.0.0.1", 0))
        .workerThreads(2);
  }

  @Test
  void bytesFromATcpDeviceComeBackThroughTheRemoteHandler() throws Exception {
    gateway = loopback().gateway(g -> g.idleTimeout(Duration.ofSeconds(5))).build().start();
    handler.adapterAddress(gateway.adapterAddress());

    try (TcpTestDevice device = TcpTestDevice.connect(gateway.listenerAddresses().get("tcp"))) {
      assertThat(device.send("hello").readText(5, WAIT)).isEqualTo("hello");
      assertThat(device.send("again").readText(5, WAIT)).isEqualTo("again");
    }
    assertThat(gateway.gateway().idleTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(gateway.toString()).contains(handler.url());
  }

  @Test
  void closingReleasesThePortsAndTheThreads() throws Exception {
    Set<Long> before = sharedThreads();
    gateway = loopback().build().start();
    handler.adapterAddress(gateway.adapterAddress());
    InetSocketAddress tcp = gateway.listenerAddresses().get("tcp");
    InetSocketAddress adapter = gateway.adapterAddress();
    try (TcpTestDevice device = TcpTestDevice.connect(tcp)) {
      assertThat(device.send("x").readText(1, WAIT)).isEqualTo("x");
      assertThat(sharedThreads()).isNotEmpty();

      gateway.close();

      assertThat(device.awaitClosedByGateway(WAIT)).isTrue();
    }
    gateway.close(); // again: nothing more to do
    assertThat(gateway.gateway().isTerminated()).isTrue();
    await().atMost(WAIT).until(() -> sharedThreads().stream().allMatch(before::contains));
    rebind(tcp);
    rebind(adapter);
  }

  @Test
  void anAdapterThatCannotBindIsNamedAndNothingStaysBound() throws Exception {
    Set<Long> before = sharedThreads();
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      gateway = loopback().adapterBind(new InetSocketAddress("127.0.0.1", port)).build();

      assertThatThrownBy(gateway::start)
          .isInstanceOf(BindException.class)
          .hasMessageStartingWith("adapter cannot bind 127.0.0.1:" + port + ": ");
      assertThatThrownBy(gateway::start).isInstanceOf(IllegalStateException.class);
    }
    await().atMost(WAIT).until(() -> sharedThreads().stream().allMatch(before::contains));
  }

  @Test
  void aRefusedSettingNamesItsPartAndReleasesTheThreads() {
    Set<Long> before = sharedThreads();

    assertThatThrownBy(() -> loopback().handlerAddress("ftp://nowhere").build())
        .isInstanceOfSatisfying(InvalidSettingsException.class,
            e -> assertThat(e.part()).isEqualTo(InvalidSettingsException.Part.HANDLER));
    assertThatThrownBy(() -> loopback().gateway(g -> g.mountpoint(null)).build())
        .isInstanceOf(RuntimeException.class);
    assertThatThrownBy(() -> loopback().gateway(g -> g.maxBatchSize(0)).build())
        .isInstanceOfSatisfying(InvalidSettingsException.class,
            e -> assertThat(e.part()).isEqualTo(InvalidSettingsException.Part.GATEWAY));
    assertThatThrownBy(() -> loopback().adapterTls(TlsSettings.client().build()).build())
        .isInstanceOfSatisfying(InvalidSettingsException.class,
            e -> assertThat(e.part()).isEqualTo(InvalidSettingsException.Part.ADAPTER))
        .hasMessageStartingWith("GrpcAdapterServer tls takes server settings");
    await().atMost(WAIT).until(() -> sharedThreads().stream().allMatch(before::contains));
  }

  /** The live threads of the shared event loops. */
  private static Set<Long> sharedThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith("exproto-netty-"))
        .map(Thread::getId)
        .collect(Collectors.toSet());
  }

  private static void rebind(InetSocketAddress address) throws Exception {
    try (ServerSocket again = new ServerSocket()) {
      again.bind(address);
    }
  }
}
