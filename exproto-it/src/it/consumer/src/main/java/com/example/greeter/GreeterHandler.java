package com.example.greeter;

import io.exproto.handler.ConnInfo;
import io.exproto.handler.ConnectionAdapter;
import io.exproto.handler.ConnectionHandler;
import io.exproto.handler.Message;
import io.exproto.handler.TimerType;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletionStage;

/** Answers each line {@code hello NAME} with {@code hi NAME}; anything else closes the device. */
public final class GreeterHandler implements ConnectionHandler {
  private final ConnectionAdapter adapter;

  public GreeterHandler(ConnectionAdapter adapter) {
    this.adapter = adapter;
  }

  @Override
  public CompletionStage<Void> onSocketCreated(String conn, ConnInfo connInfo) {
    return DONE;
  }

  @Override
  public CompletionStage<Void> onReceivedBytes(String conn, byte[] bytes) {
    String line = new String(bytes, StandardCharsets.UTF_8).strip();
    if (!line.startsWith("hello ")) {
      return adapter.close(conn).thenApply(r -> null);
    }
    byte[] reply = ("hi " + line.substring(6) + "\n").getBytes(StandardCharsets.UTF_8);
    return adapter.send(conn, reply).thenApply(r -> null);
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
    return DONE;
  }
}
