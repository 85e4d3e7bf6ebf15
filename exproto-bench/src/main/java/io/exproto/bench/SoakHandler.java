package io.exproto.bench;

import io.exproto.handler.AdapterResult;
import io.exproto.handler.ClientInfo;
import io.exproto.handler.ConnInfo;
import io.exproto.handler.ConnectionAdapter;
import io.exproto.handler.ConnectionHandler;
import io.exproto.handler.Message;
import io.exproto.handler.TimerType;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The soak's in-process handler: a line protocol, one command per read (the soak devices wait
 * for each answer before sending again), answered with a line.
 *
 * <pre>
 * A clientid        authenticate          OK | ERR reason
 * S topic           subscribe, qos 0      OK | ERR reason
 * P topic payload   publish, qos 0        OK | ERR reason
 * K seconds         start the keepalive   OK | ERR reason
 * E anything        echo                  E anything
 * (a delivery)                            M topic payload
 * </pre>
 *
 * <p>It counts its callbacks so the soak can check none was lost: every connection created is
 * closed exactly once, and no callback arrives for a connection it does not know. Thread-safe.
 */
final class SoakHandler implements ConnectionHandler {
  private static final byte[] OK = "OK\n".getBytes(StandardCharsets.US_ASCII);

  private final ConnectionAdapter adapter;
  private final Set<String> open = ConcurrentHashMap.newKeySet();
  final AtomicLong created = new AtomicLong();
  final AtomicLong closed = new AtomicLong();
  /** Callbacks for a connection not created, or closed twice: must stay 0. */
  final AtomicLong unknown = new AtomicLong();

  SoakHandler(ConnectionAdapter adapter) {
    this.adapter = adapter;
  }

  @Override
  public CompletionStage<Void> onSocketCreated(String conn, ConnInfo connInfo) {
    created.incrementAndGet();
    if (!open.add(conn)) {
      unknown.incrementAndGet();
    }
    return DONE;
  }

  @Override
  public CompletionStage<Void> onReceivedBytes(String conn, byte[] bytes) {
    known(conn);
    String line = new String(bytes, StandardCharsets.UTF_8).trim();
    if (line.isEmpty()) {
      return DONE;
    }
    char op = line.charAt(0);
    String rest = line.length() > 2 ? line.substring(2) : "";
    return switch (op) {
      case 'A' -> answer(conn, adapter.authenticate(conn,
          new ClientInfo("soak", "1", rest, "", ""), ""));
      case 'S' -> answer(conn, adapter.subscribe(conn, rest, 0));
      case 'P' -> {
        int sp = rest.indexOf(' ');
        yield answer(conn, adapter.publish(conn, sp < 0 ? rest : rest.substring(0, sp), 0,
            (sp < 0 ? "" : rest.substring(sp + 1)).getBytes(StandardCharsets.UTF_8)));
      }
      case 'K' -> answer(conn, adapter.startTimer(conn, TimerType.KEEPALIVE,
          Integer.parseInt(rest.trim())));
      default -> adapter.send(conn, (line + "\n").getBytes(StandardCharsets.UTF_8))
          .thenApply(r -> null);
    };
  }

  private CompletionStage<Void> answer(String conn, CompletionStage<AdapterResult> op) {
    return op.thenCompose(r -> adapter.send(conn, r.isSuccess() ? OK
        : ("ERR " + r.code() + " " + String.valueOf(r.message()).replace('\n', ' ') + "\n")
            .getBytes(StandardCharsets.UTF_8))).thenApply(r -> null);
  }

  @Override
  public CompletionStage<Void> onTimerTimeout(String conn, TimerType type) {
    known(conn);
    return DONE;
  }

  @Override
  public CompletionStage<Void> onReceivedMessages(String conn, List<Message> messages) {
    known(conn);
    StringBuilder sb = new StringBuilder();
    for (Message m : messages) {
      sb.append("M ").append(m.topic()).append(' ')
          .append(new String(m.payload(), StandardCharsets.UTF_8)).append('\n');
    }
    return adapter.send(conn, sb.toString().getBytes(StandardCharsets.UTF_8))
        .thenApply(r -> null);
  }

  @Override
  public CompletionStage<Void> onSocketClosed(String conn, String reason) {
    closed.incrementAndGet();
    if (!open.remove(conn)) {
      unknown.incrementAndGet();
    }
    return CompletableFuture.completedFuture(null);
  }

  private void known(String conn) {
    if (!open.contains(conn)) {
      unknown.incrementAndGet();
    }
  }
}
