package io.exproto.examples;

import io.exproto.handler.AdapterResult;
import io.exproto.handler.ClientInfo;
import io.exproto.handler.ConnectionAdapter;
import io.exproto.handler.TimerType;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * A {@link ConnectionAdapter} that forwards to one bound later. It breaks a start-up cycle: the
 * adapter server has to be listening before an external handler process starts (the process is
 * told its port), the gateway can only be built once the handler's port is known, and the
 * gateway's adapter only exists once the gateway is built. Nothing calls the adapter before the
 * gateway is started, which is after {@link #bind}.
 */
final class LateBoundAdapter implements ConnectionAdapter {
  private volatile ConnectionAdapter target;

  /** Forwards every operation from now on to {@code adapter}. */
  void bind(ConnectionAdapter adapter) {
    this.target = Objects.requireNonNull(adapter, "adapter");
  }

  private ConnectionAdapter target() {
    ConnectionAdapter t = target;
    if (t == null) {
      throw new IllegalStateException("no gateway bound to the adapter yet");
    }
    return t;
  }

  @Override
  public CompletionStage<AdapterResult> send(String conn, byte[] bytes) {
    return target().send(conn, bytes);
  }

  @Override
  public CompletionStage<AdapterResult> close(String conn) {
    return target().close(conn);
  }

  @Override
  public CompletionStage<AdapterResult> authenticate(String conn, ClientInfo clientInfo,
      String password) {
    return target().authenticate(conn, clientInfo, password);
  }

  @Override
  public CompletionStage<AdapterResult> startTimer(String conn, TimerType type,
      int intervalSeconds) {
    return target().startTimer(conn, type, intervalSeconds);
  }

  @Override
  public CompletionStage<AdapterResult> publish(String conn, String topic, int qos,
      byte[] payload) {
    return target().publish(conn, topic, qos, payload);
  }

  @Override
  public CompletionStage<AdapterResult> subscribe(String conn, String topicFilter, int qos) {
    return target().subscribe(conn, topicFilter, qos);
  }

  @Override
  public CompletionStage<AdapterResult> unsubscribe(String conn, String topicFilter) {
    return target().unsubscribe(conn, topicFilter);
  }

  @Override
  public CompletionStage<AdapterResult> rawPublish(String topic, int qos, byte[] payload) {
    return target().rawPublish(topic, qos, payload);
  }
}
