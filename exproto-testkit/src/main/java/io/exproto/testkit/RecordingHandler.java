package io.exproto.testkit;

import io.exproto.handler.ConnInfo;
import io.exproto.handler.ConnectionAdapter;
import io.exproto.handler.ConnectionHandler;
import io.exproto.handler.Message;
import io.exproto.handler.TimerType;
import io.exproto.testkit.HandlerEvent.Type;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * An in-process handler that records every callback and can be scripted. Install it with
 * {@code Gateway.builder().handler(recorder::bind)} so scripts can call the adapter.
 *
 * <pre>{@code
 * RecordingHandler h = new RecordingHandler()
 *     .on(Type.RECEIVED_BYTES, (e, adapter) -> adapter.send(e.conn(), e.bytes()).thenApply(r -> null));
 * }</pre>
 *
 * <p>Callbacks without a script complete at once. Thread-safe; waits are bounded.
 */
public final class RecordingHandler implements ConnectionHandler {

  /** A scripted reaction to a callback; the returned stage is what the gateway waits for. */
  @FunctionalInterface
  public interface Script {
    /** Reacts to {@code event}; may call {@code adapter}; must not block the calling thread. */
    CompletionStage<Void> handle(HandlerEvent event, ConnectionAdapter adapter) throws Exception;
  }

  private final Map<Type, Script> scripts = new EnumMap<>(Type.class);
  private final Map<String, List<HandlerEvent>> byConn = new LinkedHashMap<>();
  private final List<HandlerEvent> all = new ArrayList<>();
  private volatile ConnectionAdapter adapter;

  /** Stores the gateway's adapter and returns this handler: use as {@code handler(rec::bind)}. */
  public ConnectionHandler bind(ConnectionAdapter adapter) {
    this.adapter = adapter;
    return this;
  }

  /** The adapter given to {@link #bind}. */
  public ConnectionAdapter adapter() {
    return adapter;
  }

  /** Scripts the reaction to one callback type (replacing an earlier script). */
  public synchronized RecordingHandler on(Type type, Script script) {
    scripts.put(type, script);
    return this;
  }

  private CompletionStage<Void> record(HandlerEvent e) {
    Script s;
    synchronized (this) {
      byConn.computeIfAbsent(e.conn(), k -> new ArrayList<>()).add(e);
      all.add(e);
      s = scripts.get(e.type());
      notifyAll();
    }
    if (s == null) {
      return DONE;
    }
    try {
      return s.handle(e, adapter);
    } catch (Exception ex) {
      return CompletableFuture.failedStage(ex);
    }
  }

  @Override
  public CompletionStage<Void> onSocketCreated(String conn, ConnInfo connInfo) {
    return record(new HandlerEvent(Type.SOCKET_CREATED, conn, connInfo, null, null, null, null));
  }

  @Override
  public CompletionStage<Void> onReceivedBytes(String conn, byte[] bytes) {
    return record(new HandlerEvent(Type.RECEIVED_BYTES, conn, null, bytes, null, null, null));
  }

  @Override
  public CompletionStage<Void> onTimerTimeout(String conn, TimerType type) {
    return record(new HandlerEvent(Type.TIMER_TIMEOUT, conn, null, null, type, null, null));
  }

  @Override
  public CompletionStage<Void> onReceivedMessages(String conn, List<Message> messages) {
    return record(new HandlerEvent(Type.RECEIVED_MESSAGES, conn, null, null, null, messages, null));
  }

  @Override
  public CompletionStage<Void> onSocketClosed(String conn, String reason) {
    return record(new HandlerEvent(Type.SOCKET_CLOSED, conn, null, null, null, null, reason));
  }

  // ---------------------------------------------------------------- inspection

  /** Every event, in the order received. */
  public synchronized List<HandlerEvent> events() {
    return new ArrayList<>(all);
  }

  /** The events of one connection, in order. */
  public synchronized List<HandlerEvent> events(String conn) {
    return new ArrayList<>(byConn.getOrDefault(conn, List.of()));
  }

  /** Connections seen, in the order of their first callback. */
  public synchronized List<String> connections() {
    return new ArrayList<>(byConn.keySet());
  }

  /** The bytes received on {@code conn}, concatenated. */
  public synchronized byte[] receivedBytes(String conn) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (HandlerEvent e : byConn.getOrDefault(conn, List.of())) {
      if (e.type() == Type.RECEIVED_BYTES) {
        out.writeBytes(e.bytes());
      }
    }
    return out.toByteArray();
  }

  /** The messages delivered to {@code conn}, flattened across batches. */
  public synchronized List<Message> messages(String conn) {
    List<Message> out = new ArrayList<>();
    for (HandlerEvent e : byConn.getOrDefault(conn, List.of())) {
      if (e.type() == Type.RECEIVED_MESSAGES) {
        out.addAll(e.messages());
      }
    }
    return out;
  }

  /** Waits for the first event (over all connections) matching {@code p}. */
  public HandlerEvent await(Predicate<HandlerEvent> p, Duration timeout)
      throws TimeoutException, InterruptedException {
    return awaitCount(p, 1, timeout).get(0);
  }

  /** Waits until {@code n} events match {@code p}; returns them. */
  public List<HandlerEvent> awaitCount(Predicate<HandlerEvent> p, int n, Duration timeout)
      throws TimeoutException, InterruptedException {
    return awaitUntil(() -> all.stream().filter(p).toList(), m -> m.size() >= n, timeout,
        m -> "expected " + n + " matching events within " + timeout + ", saw " + m.size()
            + "; all events: " + all);
  }

  /**
   * Re-reads {@code read} (under this handler's lock) each time an event arrives until
   * {@code done} holds, or throws a TimeoutException with {@code describe}'s text.
   */
  private synchronized <T> T awaitUntil(Supplier<T> read, Predicate<T> done,
      Duration timeout, Function<T, String> describe)
      throws TimeoutException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      T value = read.get();
      if (done.test(value)) {
        return value;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new TimeoutException(describe.apply(value));
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
  }

  /** Waits for the n-th (1-based) connection to be created; returns its conn. */
  public String awaitConnection(int n, Duration timeout) throws TimeoutException,
      InterruptedException {
    return awaitCount(e -> e.type() == Type.SOCKET_CREATED, n, timeout).get(n - 1).conn();
  }

  /** Waits for onSocketClosed of {@code conn}; returns the reason. */
  public String awaitClosed(String conn, Duration timeout) throws TimeoutException,
      InterruptedException {
    return await(e -> e.type() == Type.SOCKET_CLOSED && e.conn().equals(conn), timeout).reason();
  }

  /** Waits until {@code conn} has received at least {@code n} bytes in total. */
  public byte[] awaitBytes(String conn, int n, Duration timeout) throws TimeoutException,
      InterruptedException {
    return awaitUntil(() -> receivedBytes(conn), b -> b.length >= n, timeout,
        b -> "expected " + n + " bytes on " + conn + ", got " + b.length);
  }

  /** Waits until {@code conn} has been delivered at least {@code n} messages. */
  public List<Message> awaitMessages(String conn, int n, Duration timeout)
      throws TimeoutException, InterruptedException {
    return awaitUntil(() -> messages(conn), m -> m.size() >= n, timeout,
        m -> "expected " + n + " messages on " + conn + ", got " + m.size());
  }

  /**
   * Checks docs/behaviour.md, Callback ordering for one closed connection: onSocketCreated first, onSocketClosed last and
   * exactly once.
   *
   * @throws AssertionError describing the violation
   */
  public synchronized void assertLifecycleOrder(String conn) {
    List<HandlerEvent> es = byConn.getOrDefault(conn, List.of());
    if (es.isEmpty() || es.get(0).type() != Type.SOCKET_CREATED) {
      throw new AssertionError("first callback of " + conn + " is not onSocketCreated: " + es);
    }
    long closed = es.stream().filter(e -> e.type() == Type.SOCKET_CLOSED).count();
    if (closed != 1 || es.get(es.size() - 1).type() != Type.SOCKET_CLOSED) {
      throw new AssertionError("onSocketClosed of " + conn + " is not last and once: " + es);
    }
  }
}
