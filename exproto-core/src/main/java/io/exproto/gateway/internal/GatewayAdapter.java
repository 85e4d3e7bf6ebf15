package io.exproto.gateway.internal;

import io.exproto.broker.BrokerMessage;
import io.exproto.broker.Topics;
import io.exproto.handler.AdapterResult;
import io.exproto.handler.ClientInfo;
import io.exproto.handler.ConnectionAdapter;
import io.exproto.handler.ResultCode;
import io.exproto.handler.TimerType;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The gateway's {@link ConnectionAdapter}: finds the connection by {@code conn} and runs the
 * operation on its executor. Thread-safe.
 */
final class GatewayAdapter implements ConnectionAdapter {
  static final CompletionStage<AdapterResult> SUCCESS =
      CompletableFuture.completedStage(AdapterResult.SUCCESS);
  private static final byte[] EMPTY = new byte[0];

  private final GatewayImpl gw;

  GatewayAdapter(GatewayImpl gw) {
    this.gw = gw;
  }

  static CompletionStage<AdapterResult> fail(ResultCode code, String message) {
    return CompletableFuture.completedStage(AdapterResult.of(code, message));
  }

  static AdapterResult notAlive(String conn) {
    return AdapterResult.of(ResultCode.CONN_PROCESS_NOT_ALIVE,
        "connection '" + conn + "' is closed or was never open");
  }

  /** PARAMS_TYPE_ERROR unless qos (read as unsigned) is 0, 1 or 2; null when valid. */
  static CompletionStage<AdapterResult> checkQos(int qos) {
    if (qos < 0 || qos > 2) {
      return fail(ResultCode.PARAMS_TYPE_ERROR, "qos must be 0, 1 or 2, was "
          + Integer.toUnsignedString(qos));
    }
    return null;
  }

  /** PARAMS_TYPE_ERROR unless the topic name (or filter) is valid; null when valid. */
  static CompletionStage<AdapterResult> checkTopic(String topic, boolean filter) {
    String why;
    if (topic == null || topic.isEmpty()) {
      why = filter ? "topic filter must not be empty" : "topic must not be empty";
    } else {
      why = filter ? Topics.validateFilter(topic) : Topics.validateName(topic);
    }
    if (why != null) {
      return fail(ResultCode.PARAMS_TYPE_ERROR, (filter ? "invalid topic filter '"
          : "invalid topic '") + topic + "': " + why);
    }
    return null;
  }

  private CompletionStage<AdapterResult> on(String conn,
      Function<Connection, CompletionStage<AdapterResult>> op) {
    Connection c = conn == null ? null : gw.connection(conn);
    if (c == null) {
      if (!Ids.isWellFormedConn(conn)) {
        return fail(ResultCode.CONN_PROCESS_NOT_ALIVE, "malformed conn '" + conn
            + "': not an id this gateway issued");
      }
      return CompletableFuture.completedStage(notAlive(conn));
    }
    return c.call(op);
  }

  @Override
  public CompletionStage<AdapterResult> send(String conn, byte[] bytes) {
    byte[] b = bytes == null ? EMPTY : bytes;
    return on(conn, c -> c.send(b));
  }

  @Override
  public CompletionStage<AdapterResult> close(String conn) {
    return on(conn, Connection::closeByHandler);
  }

  @Override
  public CompletionStage<AdapterResult> authenticate(String conn, ClientInfo clientInfo,
      String password) {
    return on(conn, c -> c.authenticate(clientInfo, password));
  }

  @Override
  public CompletionStage<AdapterResult> startTimer(String conn, TimerType type, int interval) {
    return on(conn, c -> c.startTimer(type, interval));
  }

  @Override
  public CompletionStage<AdapterResult> publish(String conn, String topic, int qos,
      byte[] payload) {
    return on(conn, c -> c.publish(topic, qos, payload));
  }

  @Override
  public CompletionStage<AdapterResult> subscribe(String conn, String topicFilter, int qos) {
    return on(conn, c -> c.subscribe(topicFilter, qos));
  }

  @Override
  public CompletionStage<AdapterResult> unsubscribe(String conn, String topicFilter) {
    return on(conn, c -> c.unsubscribe(topicFilter));
  }

  @Override
  public CompletionStage<AdapterResult> rawPublish(String topic, int qos, byte[] payload) {
    CompletionStage<AdapterResult> bad = checkQos(qos);
    if (bad == null) {
      bad = checkTopic(topic, false);
    }
    if (bad != null) {
      return bad;
    }
    return gw.rawPublish(new BrokerMessage(Ids.newMessageId(), "exproto", topic, qos,
        payload == null ? EMPTY : payload, gw.scheduler.currentTimeMillis()));
  }
}
