package io.exproto.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.exproto.grpc.v1.AuthenticateRequest;
import io.exproto.grpc.v1.ClientInfo;
import io.exproto.grpc.v1.CodeResponse;
import io.exproto.grpc.v1.ConnectionAdapterGrpc;
import io.exproto.grpc.v1.ConnectionUnaryHandlerGrpc;
import io.exproto.grpc.v1.EmptySuccess;
import io.exproto.grpc.v1.PublishRequest;
import io.exproto.grpc.v1.ReceivedBytesRequest;
import io.exproto.grpc.v1.SendBytesRequest;
import io.exproto.grpc.v1.SocketClosedRequest;
import io.exproto.grpc.v1.SocketCreatedRequest;
import io.exproto.grpc.v1.SubscribeRequest;
import io.exproto.server.StandaloneGateway.Launch;
import io.exproto.testkit.GrpcCleanupExtension;
import io.exproto.testkit.TcpTestDevice;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end through the standalone gateway with a gRPC handler: EMQX's authentication and
 * authorization blocks in the config file, as an EMQX user writes them.
 */
class StandaloneGatewayAuthTest {
  static final Duration WAIT = Duration.ofSeconds(10);

  @RegisterExtension
  final GrpcCleanupExtension grpc = new GrpcCleanupExtension();

  @RegisterExtension
  final GatewayLauncher launcher = new GatewayLauncher();

  @TempDir
  Path dir;

  final AtomicReference<ConnectionAdapterGrpc.ConnectionAdapterBlockingStub> adapter =
      new AtomicReference<>();

  /**
   * A handler speaking a line protocol: {@code AUTH clientid username password}, {@code PUB
   * topic}, {@code SUB filter}; it answers each with the adapter's result code.
   */
  final class LineHandler extends ConnectionUnaryHandlerGrpc.ConnectionUnaryHandlerImplBase {
    @Override
    public void onSocketCreated(SocketCreatedRequest r, StreamObserver<EmptySuccess> o) {
      done(o);
    }

    @Override
    public void onReceivedBytes(ReceivedBytesRequest r, StreamObserver<EmptySuccess> o) {
      var a = adapter.get().withDeadlineAfter(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      for (String line : r.getBytes().toStringUtf8().split("\n")) {
        String[] f = line.trim().split(" ");
        CodeResponse res = switch (f[0]) {
          case "AUTH" -> a.authenticate(AuthenticateRequest.newBuilder().setConn(r.getConn())
              .setClientinfo(ClientInfo.newBuilder().setClientid(f[1]).setUsername(f[2]))
              .setPassword(f.length > 3 ? f[3] : "").build());
          case "PUB" -> a.publish(PublishRequest.newBuilder().setConn(r.getConn())
              .setTopic(f[1]).build());
          default -> a.subscribe(SubscribeRequest.newBuilder().setConn(r.getConn())
              .setTopic(f[1]).build());
        };
        a.send(SendBytesRequest.newBuilder().setConn(r.getConn()).setBytes(
            com.google.protobuf.ByteString.copyFromUtf8(res.getCode().name() + "\n")).build());
      }
      done(o);
    }

    @Override
    public void onSocketClosed(SocketClosedRequest r, StreamObserver<EmptySuccess> o) {
      done(o);
    }

    private void done(StreamObserver<EmptySuccess> o) {
      o.onNext(EmptySuccess.getDefaultInstance());
      o.onCompleted();
    }
  }

  private Launch start(String authn, String authz) throws Exception {
    Server handler = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new LineHandler()).build().start();
    grpc.register(handler);
    String conf = """
        gateway.exproto {
          handler { address = "http://127.0.0.1:%d" }
          server { bind = "127.0.0.1:0" }
          listeners.tcp.default { bind = "127.0.0.1:0" }
          listeners.tcp.open { bind = "127.0.0.1:0", enable_authn = false }
          authentication = %s
        }
        authorization = %s
        """.formatted(handler.getPort(), authn, authz);
    Launch launch = launcher.launchWithConfig(dir.resolve("gw.conf"), conf);
    assertThat(launch.exitCode()).as(launcher.err()).isZero();
    InetSocketAddress a = launch.running().adapterAddress();
    ManagedChannel ch = grpc.register(NettyChannelBuilder.forAddress("127.0.0.1", a.getPort())
        .usePlaintext().build());
    adapter.set(ConnectionAdapterGrpc.newBlockingStub(ch));
    return launch;
  }

  static String ask(TcpTestDevice d, String line) throws IOException {
    d.send(line + "\n");
    StringBuilder b = new StringBuilder();
    while (!b.toString().endsWith("\n")) {
      b.append(new String(d.read(1, WAIT), StandardCharsets.UTF_8));
    }
    return b.toString().trim();
  }

  @Test
  void emqxBlocksAsWrittenDecideThroughAGrpcHandler() throws Exception {
    Path boot = dir.resolve("users.csv");
    Files.writeString(boot, "user_id,password,is_superuser\nalice,secret,false\nroot,toor,true\n");
    Path acl = dir.resolve("acl.conf");
    Files.writeString(acl, """
        {allow, all, publish, ["devices/${clientid}/#"]}.
        {allow, all, subscribe, ["commands/${clientid}"]}.
        {deny, all}.
        """);
    Launch launch = start("""
        [{
            mechanism = password_based
            backend = built_in_database
            user_id_type = username
            password_hash_algorithm { name = pbkdf2, mac_fun = sha256, iterations = 1000 }
            bootstrap_file = "%s"
            bootstrap_type = plain
            database_file = "%s"
          }]""".formatted(boot, dir.resolve("users.db")), """
        {
          no_match = deny
          deny_action = ignore
          cache { enable = true, max_size = 32, ttl = 1m }
          sources = [ { type = file, enable = true, path = "%s" } ]
        }""".formatted(acl));
    var addrs = launch.running().listenerAddresses();
    try (TcpTestDevice d = TcpTestDevice.connect(addrs.get("default"))) {
      assertThat(ask(d, "AUTH c1 alice wrong")).isEqualTo("PERMISSION_DENY");
      assertThat(ask(d, "AUTH c1 nobody secret")).isEqualTo("PERMISSION_DENY");
      assertThat(ask(d, "AUTH c1 alice secret")).isEqualTo("SUCCESS");
      assertThat(ask(d, "PUB devices/c1/temp")).isEqualTo("SUCCESS");
      assertThat(ask(d, "PUB devices/c2/temp")).isEqualTo("PERMISSION_DENY");
      assertThat(ask(d, "SUB commands/c1")).isEqualTo("SUCCESS");
      assertThat(ask(d, "SUB #")).isEqualTo("PERMISSION_DENY");
    }
    try (TcpTestDevice d = TcpTestDevice.connect(addrs.get("default"))) {
      assertThat(ask(d, "AUTH admin root toor")).isEqualTo("SUCCESS");
      assertThat(ask(d, "PUB anything/at/all")).as("superuser").isEqualTo("SUCCESS");
      assertThat(ask(d, "SUB #")).isEqualTo("SUCCESS");
    }
    try (TcpTestDevice d = TcpTestDevice.connect(addrs.get("open"))) {
      assertThat(ask(d, "AUTH c3 nobody nothing")).as("enable_authn = false").isEqualTo("SUCCESS");
      assertThat(ask(d, "PUB devices/c3/x")).isEqualTo("SUCCESS");
      assertThat(ask(d, "PUB elsewhere")).as("authorization still applies")
          .isEqualTo("PERMISSION_DENY");
    }
  }

  @Test
  void denyActionDisconnectClosesTheDevice() throws Exception {
    Launch launch = start("""
        { mechanism = password_based, backend = built_in_database,
          database_file = "%s" }""".formatted(dir.resolve("u.db")), """
        { deny_action = disconnect,
          sources = [ { type = file, rules = "{deny, all, publish, [\\"secret/#\\"]}." } ] }""");
    try (TcpTestDevice d = TcpTestDevice.connect(launch.running().listenerAddresses()
        .get("open"))) {
      assertThat(ask(d, "AUTH c1 u p")).isEqualTo("SUCCESS");
      assertThat(ask(d, "PUB public/x")).isEqualTo("SUCCESS");
      // The handler's Publish is denied and the device closed at once ({shutdown,not_authorized}):
      // the handler's reply can no longer reach it.
      d.send("PUB secret/x\n");
      assertThat(d.awaitClosedByGateway(WAIT)).isTrue();
    }
  }

  @Test
  void badBlocksAreRefusedByPath() throws Exception {
    Files.writeString(dir.resolve("gw.conf"), """
        gateway.exproto {
          listeners.tcp.default { bind = "127.0.0.1:0", enable_authn = maybe }
        }""");
    for (String[] bad : new String[][] {
        {"authentication { mechanism = password_based, backend = mysql }",
            "gateway.exproto.authentication.backend"},
        {"authentication { mechanism = password_based, backend = http, url = \"x\" }",
            "gateway.exproto.authentication.url"},
        {"authentication { mechanism = jwt, algorithm = hmac-based, secret = s, colour = red }",
            "gateway.exproto.authentication.colour"}}) {
      launcher.resetOutput();
      Launch l = launcher.launchWithConfig(dir.resolve("bad.conf"), """
          gateway.exproto {
            listeners.tcp.default { bind = "127.0.0.1:0" }
            %s
          }""".formatted(bad[0]));
      assertThat(l.exitCode()).isNotZero();
      assertThat(launcher.err()).contains(bad[1]);
    }
    launcher.resetOutput();
    Launch l = launcher.launchWithConfig(dir.resolve("bad2.conf"), """
        gateway.exproto { listeners.tcp.default { bind = "127.0.0.1:0" } }
        authorization { sources = [ { type = redis } ] }""");
    assertThat(l.exitCode()).isNotZero();
    assertThat(launcher.err()).contains("authorization.sources[0].type");
  }
}
