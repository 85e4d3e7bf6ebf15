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
import java.util.function.BiFunction;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's {@link ConnectionAdapter}: finds the connection by {@code conn} and runs the
 * operation on its executor. Thread-safe.
 */
final class GatewayAdapter implements ConnectionAdapter {
  // The connection's logger: what an operator filters on for a connection's story.
  private static final Logger log = LoggerFactory.getLogger(Connection.class);
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
    Connection c = conn == null ? null : gw.registry.connection(conn);
    if (c == null) {
      if (!Ids.isWellFormedConn(conn)) {
        return fail(ResultCode.CONN_PROCESS_NOT_ALIVE, "malformed conn '" + conn
            + "': not an id this gateway issued");
      }
      return CompletableFuture.completedStage(notAlive(conn));
    }
    return call(c, op);
  }

  /**
   * Runs an adapter operation on the connection's executor: at once when already there, else as
   * a task. The connection must be open when the operation runs.
   */
  private static CompletionStage<AdapterResult> call(Connection c,
      Function<Connection, CompletionStage<AdapterResult>> op) {
    if (c.exec.inExecutorThread()) {
      return runOp(c, op);
    }
    CompletableFuture<AdapterResult> out = new CompletableFuture<>();
    try {
      c.exec.execute(() -> runOp(c, op).whenComplete((r, e) ->
          out.complete(e != null ? unknown(e) : r)));
    } catch (RuntimeException rejected) {
      out.complete(notAlive(c.conn));
    }
    return out;
  }

  private static CompletionStage<AdapterResult> runOp(Connection c,
      Function<Connection, CompletionStage<AdapterResult>> op) {
    if (!c.isOpen()) {
      return CompletableFuture.completedStage(notAlive(c.conn));
    }
    try {
      return op.apply(c);
    } catch (RuntimeException e) {
      log.warn("{}: adapter operation failed", c.who(), e);
      return CompletableFuture.completedStage(unknown(e));
    }
  }

  static AdapterResult unknown(Throwable e) {
    return AdapterResult.of(ResultCode.UNKNOWN, "internal error: " + e);
  }

  /** Continues {@code stage} on the connection's executor (inline when it completes there). */
  static <T> CompletionStage<AdapterResult> then(Connection c, CompletionStage<T> stage,
      BiFunction<T, Throwable, AdapterResult> fn) {
    return thenCompose(c, stage, (v, e) -> CompletableFuture.completedStage(fn.apply(v, e)));
  }

  /**
   * Continues {@code stage} on the connection's executor (inline when it completes there) with a
   * stage; a failure answers UNKNOWN, an executor that is gone CONN_PROCESS_NOT_ALIVE.
   */
  static <T> CompletionStage<AdapterResult> thenCompose(Connection c, CompletionStage<T> stage,
      BiFunction<T, Throwable, CompletionStage<AdapterResult>> fn) {
    CompletableFuture<AdapterResult> out = new CompletableFuture<>();
    stage.whenComplete((v, e) -> {
      Runnable r = () -> {
        try {
          fn.apply(v, e).whenComplete((result, ex) -> out.complete(ex != null ? unknown(ex)
              : result));
        } catch (RuntimeException ex) {
          out.complete(unknown(ex));
        }
      };
      if (c.exec.inExecutorThread()) {
        r.run();
      } else {
        try {
          c.exec.execute(r);
        } catch (RuntimeException rejected) {
          out.complete(notAlive(c.conn));
        }
      }
    });
    return out;
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
    return on(conn, c -> ClientAuthentication.authenticate(c, clientInfo, password));
  }

  @Override
  public CompletionStage<AdapterResult> startTimer(String conn, TimerType type, int interval) {
    return on(conn, c -> ConnectionTimers.startTimer(c, type, interval));
  }

  @Override
  public CompletionStage<AdapterResult> publish(String conn, String topic, int qos,
      byte[] payload) {
    return on(conn, c -> PubSubOperations.publish(c, topic, qos, payload));
  }

  @Override
  public CompletionStage<AdapterResult> subscribe(String conn, String topicFilter, int qos) {
    return on(conn, c -> PubSubOperations.subscribe(c, topicFilter, qos));
  }

  @Override
  public CompletionStage<AdapterResult> unsubscribe(String conn, String topicFilter) {
    return on(conn, c -> PubSubOperations.unsubscribe(c, topicFilter));
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
