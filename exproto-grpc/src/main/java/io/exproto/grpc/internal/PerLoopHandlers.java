package io.exproto.grpc.internal;

import io.exproto.handler.ConnInfo;
import io.exproto.handler.ConnectionHandler;
import io.exproto.handler.Message;
import io.exproto.handler.TimerType;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * One handler client per event loop of the group the devices run on, each on its own channel
 * whose connection lives on that loop. A callback goes to the client of the loop it is issued on,
 * so its call starts, and its answer completes the connection's stage, on the connection's own
 * thread: no hand-off either way. Callbacks issued on any other thread go to the first client,
 * so each connection still always uses one client (its callbacks keep their order).
 *
 * <p>Internal: users reach it through {@code io.exproto.grpc.GrpcHandler}. Thread-safe.
 */
public final class PerLoopHandlers implements ConnectionHandler, AutoCloseable {
  private final EventExecutor[] loops;
  private final ConnectionHandler[] clients;

  /**
   * @param loops the event loops, in the order of {@code clients}
   * @param clients each loop's client; closed by {@link #close()}
   */
  public PerLoopHandlers(List<? extends EventExecutor> loops,
      List<? extends ConnectionHandler> clients) {
    if (loops.isEmpty() || loops.size() != clients.size()) {
      throw new IllegalArgumentException("one client per event loop is needed, got "
          + clients.size() + " for " + loops.size() + " loops");
    }
    this.loops = loops.toArray(new EventExecutor[0]);
    this.clients = clients.toArray(new ConnectionHandler[0]);
  }

  /** The client for the calling thread. */
  ConnectionHandler route() {
    for (int i = 0; i < loops.length; i++) {
      if (loops[i].inEventLoop()) {
        return clients[i];
      }
    }
    return clients[0];
  }

  @Override
  public CompletionStage<Void> onSocketCreated(String conn, ConnInfo connInfo) {
    return route().onSocketCreated(conn, connInfo);
  }

  @Override
  public CompletionStage<Void> onReceivedBytes(String conn, byte[] bytes) {
    return route().onReceivedBytes(conn, bytes);
  }

  @Override
  public CompletionStage<Void> onTimerTimeout(String conn, TimerType type) {
    return route().onTimerTimeout(conn, type);
  }

  @Override
  public CompletionStage<Void> onReceivedMessages(String conn, List<Message> messages) {
    return route().onReceivedMessages(conn, messages);
  }

  @Override
  public CompletionStage<Void> onSocketClosed(String conn, String reason) {
    return route().onSocketClosed(conn, reason);
  }

  /** Closes every client, even when one fails; rethrows the first failure. */
  @Override
  public void close() throws Exception {
    List<Exception> failures = new ArrayList<>();
    for (ConnectionHandler c : clients) {
      try {
        ((AutoCloseable) c).close();
      } catch (Exception e) {
        failures.add(e);
      }
    }
    if (!failures.isEmpty()) {
      Exception first = failures.get(0);
      failures.subList(1, failures.size()).forEach(first::addSuppressed);
      throw first;
    }
  }

  @Override
  public String toString() {
    return clients[0] + " (one channel per event loop, " + clients.length + ")";
  }
}
