package io.exproto.examples;

import io.exproto.handler.AdapterResult;
import io.exproto.handler.ClientInfo;
import io.exproto.handler.ConnInfo;
import io.exproto.handler.ConnectionAdapter;
import io.exproto.handler.ConnectionHandler;
import io.exproto.handler.Message;
import io.exproto.handler.TimerType;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * An in-process handler for a small text protocol, one command a line (run it on a listener with
 * {@code Framing.line(...)}, so that each {@code onReceivedBytes} is one whole line):
 *
 * <pre>
 * CONNECT &lt;clientid&gt; [&lt;password&gt;]   authenticate; starts a 60 s keepalive
 * SUB &lt;filter&gt;                       subscribe, qos 0
 * PUB &lt;topic&gt; &lt;text...&gt;              publish, qos 0
 * PING                               answered PONG (and keeps the connection alive)
 * QUIT                               the gateway closes the connection
 * </pre>
 *
 * Each command is answered {@code OK} or {@code ERR <code> <message>} with the adapter's result,
 * so a device sees the gateway's rules (Publish before CONNECT is {@code PERMISSION_DENY}).
 * Messages for its subscriptions arrive as {@code MSG <topic> <text>}.
 *
 * <p>It never blocks: each reply is sent when the adapter's stage completes, and the callback's
 * stage completes after the reply, so replies keep the order of the commands.
 */
public final class TextPubSubHandler implements ConnectionHandler {
  /** The keepalive started on CONNECT, in seconds. */
  public static final int KEEPALIVE_SECONDS = 60;

  private final ConnectionAdapter adapter;

  /** A handler that calls back through {@code adapter}. */
  public TextPubSubHandler(ConnectionAdapter adapter) {
    this.adapter = adapter;
  }

  @Override
  public CompletionStage<Void> onSocketCreated(String conn, ConnInfo connInfo) {
    return DONE;
  }

  @Override
  public CompletionStage<Void> onReceivedBytes(String conn, byte[] bytes) {
    String line = new String(bytes, StandardCharsets.UTF_8).strip();
    String[] words = line.split(" +", 3);
    String command = words[0].toUpperCase(Locale.ROOT);
    return switch (command) {
      case "CONNECT" -> words.length < 2 ? reply(conn, "ERR usage: CONNECT <clientid> [<password>]")
          : adapter.authenticate(conn, ClientInfo.of(words[1], words[1]),
                  words.length > 2 ? words[2] : "")
              .thenCompose(r -> r.isSuccess()
                  ? adapter.startTimer(conn, TimerType.KEEPALIVE, KEEPALIVE_SECONDS)
                  : CompletableFuture.completedStage(r))
              .thenCompose(r -> answer(conn, r));
      case "SUB" -> words.length < 2 ? reply(conn, "ERR usage: SUB <filter>")
          : adapter.subscribe(conn, words[1], 0).thenCompose(r -> answer(conn, r));
      case "PUB" -> words.length < 3 ? reply(conn, "ERR usage: PUB <topic> <text>")
          : adapter.publish(conn, words[1], 0, words[2].getBytes(StandardCharsets.UTF_8))
              .thenCompose(r -> answer(conn, r));
      case "PING" -> reply(conn, "PONG");
      case "QUIT" -> adapter.close(conn).thenApply(r -> null);
      default -> reply(conn, "ERR unknown command: " + words[0]);
    };
  }

  @Override
  public CompletionStage<Void> onTimerTimeout(String conn, TimerType type) {
    return DONE; // the gateway closes a connection whose keepalive ran out
  }

  @Override
  public CompletionStage<Void> onReceivedMessages(String conn, List<Message> messages) {
    StringBuilder lines = new StringBuilder();
    for (Message m : messages) {
      lines.append("MSG ").append(m.topic()).append(' ')
          .append(new String(m.payload(), StandardCharsets.UTF_8)).append('\n');
    }
    return adapter.send(conn, lines.toString().getBytes(StandardCharsets.UTF_8))
        .thenApply(r -> null);
  }

  @Override
  public CompletionStage<Void> onSocketClosed(String conn, String reason) {
    return DONE;
  }

  private CompletionStage<Void> answer(String conn, AdapterResult result) {
    return reply(conn, result.isSuccess() ? "OK" : "ERR " + result.code() + " " + result.message());
  }

  private CompletionStage<Void> reply(String conn, String line) {
    return adapter.send(conn, (line + "\n").getBytes(StandardCharsets.UTF_8)).thenApply(r -> null);
  }
}
