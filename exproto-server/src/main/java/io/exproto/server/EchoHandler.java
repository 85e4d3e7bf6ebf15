package io.exproto.server;

import io.exproto.handler.AdapterResult;
import io.exproto.handler.ConnInfo;
import io.exproto.handler.ConnectionAdapter;
import io.exproto.handler.ConnectionHandler;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The smallest useful in-process handler: writes every chunk a device sends straight back to it.
 * No gRPC, no broker, no authentication.
 *
 * <pre>{@code
 * Gateway gateway = Gateway.builder()
 *     .listener(TcpListener.builder().bind("0.0.0.0", 7993).build())
 *     .handler(EchoHandler::new)
 *     .build()
 *     .start();
 * }</pre>
 *
 * <p>Never blocks: a {@code send} issued inside a callback is carried out on the connection's own
 * thread and its stage is already complete. Thread-safe (it keeps no state).
 */
public final class EchoHandler implements ConnectionHandler {
  private static final Logger log = LoggerFactory.getLogger(EchoHandler.class);

  private final ConnectionAdapter adapter;

  /** An echo handler writing through {@code adapter}, the gateway's. */
  public EchoHandler(ConnectionAdapter adapter) {
    this.adapter = Objects.requireNonNull(adapter, "adapter");
  }

  @Override
  public CompletionStage<Void> onSocketCreated(String conn, ConnInfo connInfo) {
    log.debug("conn {}: connected from {}", conn, connInfo.peer());
    return DONE;
  }

  @Override
  public CompletionStage<Void> onReceivedBytes(String conn, byte[] bytes) {
    return adapter.send(conn, bytes).thenAccept(result -> logFailure(conn, result));
  }

  @Override
  public CompletionStage<Void> onSocketClosed(String conn, String reason) {
    log.debug("conn {}: closed {}", conn, reason);
    return DONE;
  }

  private static void logFailure(String conn, AdapterResult result) {
    // A send fails only when the connection is already closing; nothing to do but note it.
    if (!result.isSuccess()) {
      log.debug("conn {}: echo not sent: {} {}", conn, result.code(), result.message());
    }
  }

  @Override
  public String toString() {
    return "in-process echo";
  }
}
