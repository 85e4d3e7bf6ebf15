package io.exproto.testkit;

import io.exproto.handler.AdapterResult;
import io.exproto.handler.ClientInfo;
import io.exproto.handler.ConnectionAdapter;
import io.exproto.handler.ResultCode;
import io.exproto.handler.TimerType;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A {@link ConnectionAdapter} with no gateway behind it, for unit tests of an in-process
 * handler: it records every call the handler makes (Send, Close, Authenticate, StartTimer,
 * Publish, Subscribe, Unsubscribe, RawPublish) and answers each with the code you chose for that
 * operation, {@link ResultCode#SUCCESS} unless told otherwise. Call the handler's callbacks
 * yourself, then look at what it did.
 *
 * <pre>{@code
 * FakeAdapter adapter = new FakeAdapter();
 * MyHandler handler = new MyHandler(adapter);
 * adapter.answer(FakeAdapter.Operation.PUBLISH, ResultCode.PERMISSION_DENY);
 *
 * handler.onReceivedBytes("c1", "PUB t hello\n".getBytes(UTF_8));
 *
 * assertThat(adapter.calls(FakeAdapter.Operation.PUBLISH)).singleElement()
 *     .extracting(FakeAdapter.Call::topic).isEqualTo("t");
 * assertThat(adapter.sentText("c1")).isEqualTo("ERR not allowed\n");
 * }</pre>
 *
 * <p>Every answer is an already-completed stage, as the gateway's are for calls made on a
 * connection's own thread. It keeps no connection state: a Send to a closed connection is
 * answered as chosen, not with {@code CONN_PROCESS_NOT_ALIVE}; choose that code to test it.
 * Thread-safe.
 */
public final class FakeAdapter implements ConnectionAdapter {

  /** The adapter operations, as the gRPC service names them. */
  public enum Operation {
    SEND, CLOSE, AUTHENTICATE, START_TIMER, PUBLISH, SUBSCRIBE, UNSUBSCRIBE, RAW_PUBLISH
  }

  /**
   * One call the handler made; fields an operation does not have are null (or 0).
   *
   * @param operation which operation
   * @param conn the connection; null for {@link Operation#RAW_PUBLISH}
   * @param bytes Send's bytes, or Publish's and RawPublish's payload
   * @param topic Publish's and RawPublish's topic, or Subscribe's and Unsubscribe's filter
   * @param qos Publish's, RawPublish's or Subscribe's qos
   * @param clientInfo Authenticate's client info
   * @param password Authenticate's password
   * @param timerType StartTimer's type
   * @param intervalSeconds StartTimer's interval
   * @param answer what the call was answered
   */
  public record Call(Operation operation, String conn, byte[] bytes, String topic, int qos,
      ClientInfo clientInfo, String password, TimerType timerType, int intervalSeconds,
      AdapterResult answer) {

    /** {@link #bytes()} as UTF-8 text, or null. */
    public String text() {
      return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }
  }

  private final List<Call> calls = new ArrayList<>();
  private final Map<Operation, AdapterResult> answers = new EnumMap<>(Operation.class);

  /** Answers {@code operation} with {@code code} from now on (a message saying so). */
  public FakeAdapter answer(Operation operation, ResultCode code) {
    return answer(operation, code == ResultCode.SUCCESS ? AdapterResult.SUCCESS
        : AdapterResult.of(code, "answered " + code + " by FakeAdapter"));
  }

  /** Answers {@code operation} with {@code result} from now on. */
  public synchronized FakeAdapter answer(Operation operation, AdapterResult result) {
    answers.put(Objects.requireNonNull(operation, "operation"),
        Objects.requireNonNull(result, "result"));
    return this;
  }

  /** Every call so far, in order. */
  public synchronized List<Call> calls() {
    return List.copyOf(calls);
  }

  /** The calls of one operation so far, in order. */
  public synchronized List<Call> calls(Operation operation) {
    return calls.stream().filter(c -> c.operation() == operation).toList();
  }

  /** All bytes sent to {@code conn} so far, concatenated. */
  public synchronized byte[] sent(String conn) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Call c : calls) {
      if (c.operation() == Operation.SEND && c.conn().equals(conn)) {
        out.writeBytes(c.bytes());
      }
    }
    return out.toByteArray();
  }

  /** {@link #sent(String)} as UTF-8 text. */
  public String sentText(String conn) {
    return new String(sent(conn), StandardCharsets.UTF_8);
  }

  /** Whether the handler asked to close {@code conn}. */
  public synchronized boolean closed(String conn) {
    return calls.stream().anyMatch(c -> c.operation() == Operation.CLOSE && c.conn().equals(conn));
  }

  /** Forgets the calls; the chosen answers stay. */
  public synchronized void clearCalls() {
    calls.clear();
  }

  private synchronized CompletionStage<AdapterResult> record(Operation op, String conn,
      byte[] bytes, String topic, int qos, ClientInfo info, String password, TimerType timer,
      int interval) {
    AdapterResult answer = answers.getOrDefault(op, AdapterResult.SUCCESS);
    calls.add(new Call(op, conn, bytes == null ? null : bytes.clone(), topic, qos, info, password,
        timer, interval, answer));
    return CompletableFuture.completedFuture(answer);
  }

  @Override
  public CompletionStage<AdapterResult> send(String conn, byte[] bytes) {
    return record(Operation.SEND, conn, bytes, null, 0, null, null, null, 0);
  }

  @Override
  public CompletionStage<AdapterResult> close(String conn) {
    return record(Operation.CLOSE, conn, null, null, 0, null, null, null, 0);
  }

  @Override
  public CompletionStage<AdapterResult> authenticate(String conn, ClientInfo clientInfo,
      String password) {
    return record(Operation.AUTHENTICATE, conn, null, null, 0, clientInfo, password, null, 0);
  }

  @Override
  public CompletionStage<AdapterResult> startTimer(String conn, TimerType type,
      int intervalSeconds) {
    return record(Operation.START_TIMER, conn, null, null, 0, null, null, type, intervalSeconds);
  }

  @Override
  public CompletionStage<AdapterResult> publish(String conn, String topic, int qos,
      byte[] payload) {
    return record(Operation.PUBLISH, conn, payload, topic, qos, null, null, null, 0);
  }

  @Override
  public CompletionStage<AdapterResult> subscribe(String conn, String topicFilter, int qos) {
    return record(Operation.SUBSCRIBE, conn, null, topicFilter, qos, null, null, null, 0);
  }

  @Override
  public CompletionStage<AdapterResult> unsubscribe(String conn, String topicFilter) {
    return record(Operation.UNSUBSCRIBE, conn, null, topicFilter, 0, null, null, null, 0);
  }

  @Override
  public CompletionStage<AdapterResult> rawPublish(String topic, int qos, byte[] payload) {
    return record(Operation.RAW_PUBLISH, null, payload, topic, qos, null, null, null, 0);
  }
}
