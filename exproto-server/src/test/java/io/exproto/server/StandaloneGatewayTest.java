package io.exproto.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.exproto.server.StandaloneGateway.Launch;
import io.exproto.server.StandaloneGateway.Running;
import io.exproto.grpc.v1.CodeResponse;
import io.exproto.grpc.v1.ConnectionAdapterGrpc;
import io.exproto.grpc.v1.ResultCode;
import io.exproto.grpc.v1.SendBytesRequest;
import io.exproto.testkit.GrpcCleanupExtension;
import io.exproto.testkit.TcpTestDevice;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StandaloneGatewayTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @RegisterExtension
  final GrpcCleanupExtension grpc = new GrpcCleanupExtension();

  @RegisterExtension
  final GatewayLauncher launcher = new GatewayLauncher();

  private Launch launch(String... args) {
    return launcher.launch(args);
  }

  private String out() {
    return launcher.out();
  }

  private String err() {
    return launcher.err();
  }

  @Test
  void startsPrintsOneReadyLineEchoesAndStops() throws Exception {
    Launch launch = launch("--listen", "tcp://127.0.0.1:0", "--adapter", "127.0.0.1:0");
    assertThat(launch.exitCode()).as(err()).isZero();
    Running gw = launch.running();
    InetSocketAddress tcp = gw.listenerAddresses().get("tcp");
    InetSocketAddress adapter = gw.adapterAddress();

    assertThat(out().lines().toList()).containsExactly("exproto gateway ready: tcp=127.0.0.1:"
        + tcp.getPort() + " adapter=127.0.0.1:" + adapter.getPort() + " handler=in-process echo");
    assertThat(gw.readyLine()).isEqualTo(out().strip());

    try (TcpTestDevice device = TcpTestDevice.connect(tcp)) {
      assertThat(device.send("hello").readText(5, WAIT)).isEqualTo("hello");
    }
    assertThat(callAdapter(adapter).getCode()).isEqualTo(ResultCode.CONN_PROCESS_NOT_ALIVE);

    try (TcpTestDevice connected = TcpTestDevice.connect(tcp)) {
      gw.close();
      assertThat(connected.awaitClosedByGateway(WAIT)).isTrue();
    }
    assertThat(gw.isStopped()).isTrue();
    assertThat(gw.gateway().isTerminated()).isTrue();
    assertThat(gw.gateway().stats().connections()).isZero();
    gw.close(); // again: nothing happens
  }

  @Test
  void repeatedListenersAreNamedAndTheIdleTimeoutApplies() throws Exception {
    Launch launch = launch("--listen", "tcp://127.0.0.1:0", "--listen", "tcp://127.0.0.1:0",
        "--adapter", "127.0.0.1:0", "--idle-timeout", "300ms", "--node", "edge-1",
        "--mountpoint", "site/");
    assertThat(launch.exitCode()).as(err()).isZero();
    Running gw = launch.running();
    assertThat(gw.listenerAddresses()).containsOnlyKeys("tcp", "tcp-2");
    assertThat(gw.readyLine())
        .contains(" tcp=127.0.0.1:" + gw.listenerAddresses().get("tcp").getPort())
        .contains(" tcp-2=127.0.0.1:" + gw.listenerAddresses().get("tcp-2").getPort());
    assertThat(gw.gateway().nodeName()).isEqualTo("edge-1");

    try (TcpTestDevice silent = TcpTestDevice.connect(gw.listenerAddresses().get("tcp-2"));
        TcpTestDevice talking = TcpTestDevice.connect(gw.listenerAddresses().get("tcp"))) {
      assertThat(talking.send("hi").readText(2, WAIT)).isEqualTo("hi");
      assertThat(silent.awaitClosedByGateway(WAIT)).as("closed by the idle timeout").isTrue();
    }
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "--idle-timeout|5x|is not a duration; use a whole number with a unit",
      "--idle-timeout|0s|must be longer than zero",
      "--idle-timeout|5 parsecs|is not a duration",
      "--listen|ssl://0.0.0.0:7993|ssl listeners need --certfile and --keyfile",
      "--listen|dtls://0.0.0.0:7993|dtls listeners need --certfile and --keyfile",
      "--listen|quic://0.0.0.0:7993|listeners are tcp://, ssl://, udp:// or dtls://",
      "--listen|0.0.0.0:7993|is not tcp://HOST:PORT",
      "--listen|tcp://0.0.0.0|is not tcp://HOST:PORT",
      "--listen|tcp://0.0.0.0:99999|port must be between 0 and 65535",
      "--adapter|9100|is not HOST:PORT",
      "--adapter|no-such-host.invalid:9100|cannot be resolved",
      "--handler|not a url|--handler",
      "--node|''|the node name must not be blank",
  })
  void badFlagValuesAreUsageErrors(String flag, String value, String message) {
    Launch launch = launch(flag, value);
    assertThat(launch.exitCode()).as(err()).isEqualTo(2);
    assertThat(launch.running()).isNull();
    assertThat(err()).contains(message).doesNotContain("Usage:");
    assertThat(err().lines().toList()).hasSize(2).first().asString().startsWith("error: ");
    assertThat(err().lines().toList()).last().asString()
        .isEqualTo("see 'exproto-gateway --help' for the flags");
    assertThat(out()).doesNotContain("ready");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "--certfile|/etc/exproto/gw.pem",
      "--keyfile|/etc/exproto/gw.key",
      "--cacertfile|/etc/exproto/ca.pem",
  })
  void tlsFlagsWithOnlyPlaintextListenersAreRefused(String flag, String value) {
    Launch launch = launch("--listen", "tcp://127.0.0.1:0", flag, value);
    assertThat(launch.exitCode()).isEqualTo(2);
    assertThat(err()).contains("error: " + flag + " applies to ssl:// and dtls:// listeners,"
        + " and there is none (listeners: tcp://127.0.0.1:0)");
    launcher.resetOutput();
    assertThat(launch("--verify").exitCode()).isEqualTo(2);
    assertThat(err()).contains("error: --verify applies to ssl:// and dtls:// listeners");
  }

  @Test
  void anUnreachableHandlerIsOneWarningNamingItsAddress() throws Exception {
    int closedPort;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = probe.getLocalPort();
    }
    String url = "http://127.0.0.1:" + closedPort;
    Launch launch = launch("--listen", "tcp://127.0.0.1:0", "--adapter", "127.0.0.1:0",
        "--handler", url);
    assertThat(launch.exitCode()).isZero();
    assertThat(err().lines().toList()).singleElement().asString()
        .startsWith("warning: handler " + url + " is not reachable (")
        .contains("{shutdown,{error,{on_socket_created,unavailable}}}");
    assertThat(out()).contains("exproto gateway ready");
  }

  @Test
  void aReachableHandlerGivesNoWarning() throws Exception {
    try (ServerSocket handler = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Launch launch = launch("--listen", "tcp://127.0.0.1:0", "--adapter", "127.0.0.1:0",
          "--handler", "http://127.0.0.1:" + handler.getLocalPort());
      assertThat(launch.exitCode()).isZero();
      assertThat(err()).isEmpty();
    }
  }

  @Test
  void unknownFlagIsAUsageError() {
    Launch launch = launch("--port", "7993");
    assertThat(launch.exitCode()).isEqualTo(2);
    assertThat(err()).contains("Unknown option", "'--port'");
  }

  @Test
  void helpAndVersionExitZero() {
    assertThat(launch("--help").exitCode()).isZero();
    assertThat(out()).contains("--listen=tcp|ssl|udp|dtls://HOST:PORT", "--adapter=HOST:PORT", "--handler=URL",
        "--handler-service=NAME", "--handler-timeout=DURATION", "--config=FILE",
        "--mountpoint=STR", "--idle-timeout=DURATION", "--node=NAME");
    launcher.resetOutput();
    assertThat(launch("--version").exitCode()).isZero();
    assertThat(out()).startsWith("exproto-gateway ");
  }

  @Test
  void listenerBindFailureIsOneLineNamingTheAddress() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String address = "127.0.0.1:" + taken.getLocalPort();
      Launch launch = launch("--listen", "tcp://" + address, "--adapter", "127.0.0.1:0");
      assertThat(launch.exitCode()).isEqualTo(1);
      assertThat(launch.running()).isNull();
      assertThat(err().lines().toList()).singleElement().asString()
          .startsWith("error: ").contains(address);
    }
  }

  @Test
  void adapterBindFailureIsOneLineNamingTheAddress() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String address = "127.0.0.1:" + taken.getLocalPort();
      Launch launch = launch("--listen", "tcp://127.0.0.1:0", "--adapter", address);
      assertThat(launch.exitCode()).isEqualTo(1);
      assertThat(err().lines().toList()).singleElement().asString()
          .startsWith("error: adapter cannot bind " + address + ": ")
          .contains("Address already in use");
    }
  }

  @Test
  void durationConverterReadsUnitsAndIso() {
    DurationConverter c = new DurationConverter();
    assertThat(c.convert("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(c.convert("5s")).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.convert("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(c.convert("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(c.convert("PT1M30S")).isEqualTo(Duration.ofSeconds(90));
  }

  private CodeResponse callAdapter(InetSocketAddress adapter) {
    ManagedChannel channel = grpc.register(NettyChannelBuilder
        .forAddress(adapter.getHostString(), adapter.getPort()).usePlaintext().build());
    return ConnectionAdapterGrpc.newBlockingStub(channel)
        .withDeadlineAfter(WAIT.toMillis(), TimeUnit.MILLISECONDS)
        .send(SendBytesRequest.newBuilder().setConn("no-such-conn").build());
  }
}
