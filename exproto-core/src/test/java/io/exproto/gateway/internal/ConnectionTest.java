package io.exproto.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.exproto.broker.BrokerMessage;
import io.exproto.broker.InMemoryBroker;
import io.exproto.gateway.Gateway;
import io.exproto.gateway.GatewayBuilder;
import io.exproto.gateway.Scheduler;
import io.exproto.handler.AdapterResult;
import io.exproto.handler.CallbackFailedException;
import io.exproto.handler.ClientInfo;
import io.exproto.handler.ConnInfo;
import io.exproto.handler.ConnectionAdapter;
import io.exproto.handler.ConnectionHandler;
import io.exproto.handler.Message;
import io.exproto.handler.PeerCertificate;
import io.exproto.handler.ResultCode;
import io.exproto.handler.SocketType;
import io.exproto.handler.TimerType;
import io.exproto.transport.Link;
import io.exproto.transport.LinkAcceptor;
import io.exproto.transport.LinkExecutor;
import io.exproto.transport.LinkListener;
import io.exproto.transport.TransportListener;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One connection's actor, driven by hand: the test thread is the link's executor (tasks the
 * connection posts run when the test {@linkplain FakeExecutor#drain drains} them), time moves only
 * with {@link FakeScheduler#advance}, and the handler's callbacks complete when the test says so.
 * Every case runs through a real gateway, so the connection is created, registered and released
 * as in production. The fakes are this test's own: the testkit's {@code ManualScheduler} and
 * {@code InMemoryListener} depend on exproto-core, so its tests cannot use them.
 */
class ConnectionTest {

  private final FakeScheduler scheduler = new FakeScheduler();
  private final FakeExecutor executor = new FakeExecutor();
  private final ScriptedHandler handler = new ScriptedHandler();
  private final FakeListener listener = new FakeListener();
  private Gateway gateway;

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.shutdownNow();
      executor.drain();
    }
  }

  private Gateway start(Consumer<GatewayBuilder> settings) throws Exception {
    GatewayBuilder b = Gateway.builder().handler(handler).listener(listener).scheduler(scheduler)
        .broker(new InMemoryBroker()).idleTimeout(Duration.ofSeconds(30))
        .callbackTimeout(Duration.ofSeconds(30)).closeFlushTimeout(Duration.ofSeconds(15));
    settings.accept(b);
    gateway = b.build().start();
    return gateway;
  }

  private Gateway start() throws Exception {
    return start(b -> {});
  }

  /** A device connects: the listener accepts a link, and the gateway's connection starts. */
  private FakeLink connect() {
    FakeLink link = new FakeLink(executor);
    link.listener = listener.acceptor.accept(link);
    executor.drain();
    return link;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private AdapterResult await(CompletionStage<AdapterResult> stage) {
    executor.drain();
    CompletableFuture<AdapterResult> f = stage.toCompletableFuture();
    assertThat(f).isDone();
    return f.join();
  }

  // ---------------------------------------------------------------- callback order

  @Test
  void callbacksRunOneAtATimeInTheOrderTheirEventsHappened() throws Exception {
    start();
    handler.hold = true;
    FakeLink link = connect();
    link.listener.onBytes(ascii("one"));
    link.listener.onBytes(ascii("two"));
    executor.drain();

    assertThat(handler.events).containsExactly("created");
    handler.completeNext();
    executor.drain();
    assertThat(handler.events).containsExactly("created", "bytes:one");
    handler.hold = false;
    handler.completeNext();
    executor.drain();

    assertThat(handler.events).containsExactly("created", "bytes:one", "bytes:two");
  }

  @Test
  void onSocketClosedComesLastAfterTheQueuedCallbacksAndReleasesTheConnection() throws Exception {
    start();
    FakeLink link = connect();
    String conn = handler.conn;
    handler.hold = true;
    link.listener.onBytes(ascii("a"));
    link.listener.onBytes(ascii("b"));
    link.listener.onClosed("tcp_closed");

    // Gone for adapter calls at once, while its queued callbacks still run.
    assertThat(await(gateway.adapter().send(conn, ascii("x"))).code())
        .isEqualTo(ResultCode.CONN_PROCESS_NOT_ALIVE);
    assertThat(gateway.stats().connections()).isEqualTo(1);
    handler.hold = false;
    handler.completeNext();
    executor.drain();

    assertThat(handler.events).containsExactly("created", "bytes:a", "bytes:b",
        "closed:{shutdown,tcp_closed}");
    assertThat(gateway.stats().connections()).isZero();
    assertThat(scheduler.pending()).as("no timer outlives the connection").isZero();
  }

  @Test
  void aFailedCallbackDropsTheQueuedOnesAndClosesWithItsReason() throws Exception {
    start();
    FakeLink link = connect();
    handler.hold = true;
    link.listener.onBytes(ascii("bad"));
    link.listener.onBytes(ascii("never delivered"));
    executor.drain();
    handler.hold = false;

    handler.failNext(new CallbackFailedException("bad_frame", null));
    executor.drain();

    assertThat(handler.events).containsExactly("created", "bytes:bad",
        "closed:{shutdown,{error,{on_received_bytes,bad_frame}}}");
    assertThat(link.closed).isTrue();
    assertThat(gateway.stats().callbackFailures()).isEqualTo(1);
  }

  // ---------------------------------------------------------------- timers

  @Test
  void aSilentStreamPeerIsClosedByTheIdleTimeoutAndOneThatSpokeIsNot() throws Exception {
    start();
    FakeLink silent = connect();
    FakeLink talker = connect();
    talker.listener.onBytes(ascii("hello"));

    scheduler.advance(Duration.ofSeconds(30));
    executor.drain();

    assertThat(silent.closed).isTrue();
    assertThat(talker.closed).isFalse();
    assertThat(handler.events).contains("closed:{shutdown,idle_timeout}");
    assertThat(gateway.stats().connections()).isEqualTo(1);
  }

  @Test
  void aKeepaliveMissedForOneAndAHalfIntervalsTellsTheHandlerThenCloses() throws Exception {
    start();
    FakeLink link = connect();
    assertThat(await(gateway.adapter().startTimer(handler.conn, TimerType.KEEPALIVE, 10)).code())
        .isEqualTo(ResultCode.SUCCESS);

    scheduler.advance(Duration.ofSeconds(10));
    link.listener.onBytes(ascii("ping")); // restarts the 15 s of silence allowed
    scheduler.advance(Duration.ofSeconds(14));
    executor.drain();
    assertThat(link.closed).isFalse();
    scheduler.advance(Duration.ofSeconds(1));
    executor.drain();

    assertThat(link.closed).isTrue();
    assertThat(handler.events).containsExactly("created", "bytes:ping", "timer:KEEPALIVE",
        "closed:{shutdown,keepalive_timeout}");
  }

  @Test
  void aCallbackPastItsDeadlineIsCancelledAndClosesTheConnection() throws Exception {
    start(b -> b.callbackTimeout(Duration.ofSeconds(5)));
    handler.hold = true;
    FakeLink link = connect();
    CompletableFuture<Void> created = handler.pending.peek();
    handler.hold = false;

    scheduler.advance(Duration.ofSeconds(5));
    executor.drain();

    assertThat(created).isCancelled();
    assertThat(link.closed).isTrue();
    assertThat(handler.events).containsExactly("created",
        "closed:{shutdown,{error,{on_socket_created,deadline_exceeded}}}");
  }

  @Test
  void theCloseFlushTimeoutAbandonsASlowCallbackSoOnSocketClosedStillArrives() throws Exception {
    start(b -> b.closeFlushTimeout(Duration.ofSeconds(2)));
    FakeLink link = connect();
    handler.hold = true;
    link.listener.onBytes(ascii("slow"));
    link.listener.onBytes(ascii("queued"));
    CompletableFuture<Void> slow = handler.pending.peek();
    link.listener.onClosed("tcp_closed");
    executor.drain();
    handler.hold = false;

    scheduler.advance(Duration.ofSeconds(2));
    executor.drain();

    assertThat(slow).isCancelled();
    assertThat(handler.events).containsExactly("created", "bytes:slow",
        "closed:{shutdown,tcp_closed}");
    assertThat(gateway.stats().connections()).isZero();
  }

  // ---------------------------------------------------------------- flow control

  @Test
  void aFullCallbackQueuePausesReadingUntilItDrainsToHalf() throws Exception {
    start(b -> b.maxQueuedCallbacks(4));
    FakeLink link = connect();
    handler.hold = true;
    for (int i = 0; i < 5; i++) { // one in flight, four queued
      link.listener.onBytes(ascii("m" + i));
    }
    executor.drain();
    assertThat(link.readPaused).isTrue();

    handler.completeNext(); // three queued
    executor.drain();
    assertThat(link.readPaused).isTrue();
    handler.completeNext(); // two queued: half
    executor.drain();

    assertThat(link.readPaused).isFalse();
    assertThat(link.pauseChanges).containsExactly(true, false);
  }

  @Test
  void anOverdrawnInboundRateBudgetPausesReadingUntilItRefills() throws Exception {
    start(b -> b.maxInboundBytesPerSecond(100));
    FakeLink link = connect();
    link.listener.onBytes(new byte[150]); // delivered, then 50 bytes in debt
    executor.drain();
    assertThat(link.readPaused).isTrue();
    assertThat(handler.events).containsExactly("created", "bytes:150 bytes");

    scheduler.advance(Duration.ofMillis(499));
    executor.drain();
    assertThat(link.readPaused).isTrue();
    scheduler.advance(Duration.ofMillis(1));
    executor.drain();

    assertThat(link.readPaused).isFalse();
  }

  // ---------------------------------------------------------------- deliveries

  @Test
  void deliveriesArriveInBatchesAndStopWhenTheConnectionCloses() throws Exception {
    InMemoryBroker broker = new InMemoryBroker();
    start(b -> b.broker(broker).maxBatchSize(2));
    FakeLink link = connect();
    ConnectionAdapter adapter = gateway.adapter();
    String conn = handler.conn;
    assertThat(await(adapter.authenticate(conn, new ClientInfo("exproto", "1", "dev-1", "user",
        ""), "")).code()).isEqualTo(ResultCode.SUCCESS);
    assertThat(await(adapter.subscribe(conn, "t/#", 1)).code()).isEqualTo(ResultCode.SUCCESS);
    handler.hold = true;

    for (int i = 0; i < 3; i++) {
      broker.publish(new BrokerMessage("m" + i, "other", "t/" + i, 1, new byte[0], 0));
    }
    executor.drain(); // the first batch is in flight; the rest wait
    handler.hold = false;
    handler.completeNext();
    executor.drain();
    link.listener.onClosed("tcp_closed");
    broker.publish(new BrokerMessage("late", "other", "t/late", 1, new byte[0], 0));
    executor.drain();

    assertThat(handler.events).containsExactly("created", "messages:t/0", "messages:t/1,t/2",
        "closed:{shutdown,tcp_closed}");
    assertThat(gateway.client("dev-1").toCompletableFuture().join()).isEmpty();
  }

  // ---------------------------------------------------------------- fakes

  /** The test thread is the executor: tasks queue until the test drains them, in order. */
  private static final class FakeExecutor implements LinkExecutor {
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

    @Override
    public void execute(Runnable task) {
      tasks.add(task);
    }

    @Override
    public boolean inExecutorThread() {
      return true;
    }

    void drain() {
      Runnable r;
      while ((r = tasks.poll()) != null) {
        r.run();
      }
    }
  }

  /** Time moves only when the test advances it; due tasks run on the test thread. */
  private static final class FakeScheduler implements Scheduler {
    private record Task(long due, long order, Runnable body) {}

    private final PriorityQueue<Task> tasks = new PriorityQueue<>((a, b) -> a.due != b.due
        ? Long.compare(a.due, b.due) : Long.compare(a.order, b.order));
    private long nanos;
    private long order;

    @Override
    public long nanoTime() {
      return nanos;
    }

    @Override
    public long currentTimeMillis() {
      return 1_700_000_000_000L + TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    @Override
    public Cancellable schedule(Runnable task, long delay, TimeUnit unit) {
      Task t = new Task(nanos + unit.toNanos(delay), order++, task);
      tasks.add(t);
      return () -> tasks.remove(t);
    }

    void advance(Duration d) {
      long target = nanos + d.toNanos();
      Task next;
      while ((next = tasks.peek()) != null && next.due <= target) {
        tasks.poll();
        nanos = Math.max(nanos, next.due);
        next.body.run();
      }
      nanos = target;
    }

    int pending() {
      return tasks.size();
    }
  }

  /** Hands the gateway's acceptor to the test, which connects devices with it. */
  private static final class FakeListener implements TransportListener {
    LinkAcceptor acceptor;

    @Override
    public String name() {
      return "fake";
    }

    @Override
    public String kind() {
      return "tcp";
    }

    @Override
    public void start(LinkAcceptor acceptor) {
      this.acceptor = acceptor;
    }

    @Override
    public InetSocketAddress localAddress() {
      return new InetSocketAddress("127.0.0.1", 7993);
    }

    @Override
    public CompletionStage<Void> stop() {
      return CompletableFuture.completedFuture(null);
    }
  }

  /** A TCP link that records what the connection tells it. */
  private static final class FakeLink implements Link {
    private static int ports = 50_000;

    private final LinkExecutor executor;
    private final InetSocketAddress remote = new InetSocketAddress("192.0.2.1", ports++);
    final List<byte[]> written = new ArrayList<>();
    final List<Boolean> pauseChanges = new ArrayList<>();
    LinkListener listener;
    boolean closed;
    boolean readPaused;

    FakeLink(LinkExecutor executor) {
      this.executor = executor;
    }

    @Override
    public LinkExecutor executor() {
      return executor;
    }

    @Override
    public SocketType socketType() {
      return SocketType.TCP;
    }

    @Override
    public InetSocketAddress remoteAddress() {
      return remote;
    }

    @Override
    public InetSocketAddress localAddress() {
      return new InetSocketAddress("127.0.0.1", 7993);
    }

    @Override
    public PeerCertificate peerCertificate() {
      return null;
    }

    @Override
    public String listenerName() {
      return "fake";
    }

    @Override
    public void write(byte[] bytes) {
      written.add(bytes);
    }

    @Override
    public void close() {
      closed = true;
    }

    @Override
    public void setReadPaused(boolean paused) {
      readPaused = paused;
      pauseChanges.add(paused);
    }
  }

  /**
   * Records each callback as a line; while {@link #hold} is set, a callback's stage stays pending
   * until the test completes (or fails) it, oldest first.
   */
  private static final class ScriptedHandler implements ConnectionHandler {
    final List<String> events = new ArrayList<>();
    final ArrayDeque<CompletableFuture<Void>> pending = new ArrayDeque<>();
    boolean hold;
    String conn;

    private CompletionStage<Void> record(String event) {
      events.add(event);
      if (!hold) {
        return DONE;
      }
      CompletableFuture<Void> f = new CompletableFuture<>();
      pending.add(f);
      return f;
    }

    void completeNext() {
      pending.remove().complete(null);
    }

    void failNext(Throwable t) {
      pending.remove().completeExceptionally(t);
    }

    @Override
    public CompletionStage<Void> onSocketCreated(String conn, ConnInfo connInfo) {
      this.conn = conn;
      return record("created");
    }

    @Override
    public CompletionStage<Void> onReceivedBytes(String conn, byte[] bytes) {
      String text = new String(bytes, StandardCharsets.US_ASCII);
      return record("bytes:" + (text.chars().allMatch(ch -> ch >= ' ') ? text
          : bytes.length + " bytes"));
    }

    @Override
    public CompletionStage<Void> onTimerTimeout(String conn, TimerType type) {
      return record("timer:" + type);
    }

    @Override
    public CompletionStage<Void> onReceivedMessages(String conn, List<Message> messages) {
      List<String> topics = new ArrayList<>();
      messages.forEach(m -> topics.add(m.topic()));
      return record("messages:" + String.join(",", topics));
    }

    @Override
    public CompletionStage<Void> onSocketClosed(String conn, String reason) {
      return record("closed:" + reason);
    }
  }
}
