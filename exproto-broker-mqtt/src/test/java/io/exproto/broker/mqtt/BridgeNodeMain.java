package io.exproto.broker.mqtt;

import io.exproto.gateway.Gateway;
import io.exproto.handler.AdapterResult;
import io.exproto.handler.ClientInfo;
import io.exproto.handler.ConnInfo;
import io.exproto.handler.ConnectionAdapter;
import io.exproto.handler.ConnectionHandler;
import io.exproto.handler.Message;
import io.exproto.handler.TimerType;
import io.exproto.transport.netty.Framing;
import io.exproto.transport.netty.NettyTransport;
import io.exproto.transport.netty.TcpListener;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One gateway node as a process of its own, for the multi-node test: a TCP listener with line
 * framing, the MQTT bridge in session mode, and an in-process handler speaking a tiny line
 * protocol: {@code auth CLIENTID USER PASS}, {@code sub FILTER}, {@code pub TOPIC TEXT} (qos 1),
 * each answered {@code ok} or {@code err CODE MESSAGE}; deliveries arrive as
 * {@code msg TOPIC TEXT}. Prints {@code READY port} once listening and {@code CLOSED clientid
 * reason} to standard output when a device's connection closes. Stops when standard input ends.
 *
 * <p>Arguments: the broker URL, the bridge's user name and password.
 */
public final class BridgeNodeMain {
  private BridgeNodeMain() {}

  public static void main(String[] args) throws Exception {
    MqttBroker broker = MqttBroker.builder().server(args[0]).credentials(args[1], args[2])
        .connectTimeout(Duration.ofSeconds(5)).build().start();
    NettyTransport transport = NettyTransport.create();
    Gateway gw = Gateway.builder()
        .listener(TcpListener.builder().name("tcp").bind("127.0.0.1", 0)
            .framing(Framing.line(4096)).transport(transport).build())
        .broker(broker)
        .handler(LineHandler::new)
        .build().start();
    System.out.println("READY " + gw.listenerAddresses().get("tcp").getPort());
    System.out.flush();
    while (System.in.read() >= 0) {
      // until the test closes our standard input (or dies)
    }
    gw.shutdownNow();
    gw.awaitTermination(Duration.ofSeconds(10));
    broker.close();
    transport.close();
  }

  static final class LineHandler implements ConnectionHandler {
    private static final CompletionStage<Void> DONE = CompletableFuture.completedFuture(null);
    private final ConnectionAdapter adapter;
    private final ConcurrentHashMap<String, String> clientIds = new ConcurrentHashMap<>();

    LineHandler(ConnectionAdapter adapter) {
      this.adapter = adapter;
    }

    @Override
    public CompletionStage<Void> onSocketCreated(String conn, ConnInfo info) {
      return DONE;
    }

    @Override
    public CompletionStage<Void> onReceivedBytes(String conn, byte[] bytes) {
      String[] w = new String(bytes, StandardCharsets.UTF_8).trim().split(" ", 3);
      CompletionStage<AdapterResult> r;
      switch (w[0]) {
        case "auth" -> {
          clientIds.put(conn, w[1]);
          String[] cred = w.length > 2 ? w[2].split(" ", 2) : new String[] {"", ""};
          r = adapter.authenticate(conn, new ClientInfo("line", "1", w[1], cred[0], ""),
              cred.length > 1 ? cred[1] : "");
        }
        case "sub" -> r = adapter.subscribe(conn, w[1], 1);
        case "pub" -> r = adapter.publish(conn, w[1], 1,
            (w.length > 2 ? w[2] : "").getBytes(StandardCharsets.UTF_8));
        default -> r = CompletableFuture.completedFuture(AdapterResult.of(
            io.exproto.handler.ResultCode.UNKNOWN, "unknown command " + w[0]));
      }
      return r.thenCompose(res -> adapter.send(conn, ((res.isSuccess() ? "ok"
          : "err " + res.code() + " " + res.message()) + "\n").getBytes(StandardCharsets.UTF_8)))
          .thenApply(x -> null);
    }

    @Override
    public CompletionStage<Void> onReceivedMessages(String conn, List<Message> messages) {
      CompletionStage<AdapterResult> last = CompletableFuture.completedFuture(null);
      for (Message m : messages) {
        last = adapter.send(conn, ("msg " + m.topic() + " "
            + new String(m.payload(), StandardCharsets.UTF_8) + "\n")
            .getBytes(StandardCharsets.UTF_8));
      }
      return last.thenApply(x -> null);
    }

    @Override
    public CompletionStage<Void> onTimerTimeout(String conn, TimerType type) {
      return DONE;
    }

    @Override
    public CompletionStage<Void> onSocketClosed(String conn, String reason) {
      String cid = clientIds.remove(conn);
      synchronized (System.out) {
        System.out.println("CLOSED " + cid + " " + reason);
        System.out.flush();
      }
      return DONE;
    }
  }
}
