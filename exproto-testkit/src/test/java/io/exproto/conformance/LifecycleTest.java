package io.exproto.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.exproto.auth.AuthResult;
import io.exproto.handler.AdapterResult;
import io.exproto.handler.CallbackFailedException;
import io.exproto.handler.ClientInfo;
import io.exproto.handler.ResultCode;
import io.exproto.handler.TimerType;
import io.exproto.testkit.HandlerEvent;
import io.exproto.testkit.HandlerEvent.Type;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Ordering (B2), keepalive and idle (B6) and the close reasons (B7), with injected time. */
class LifecycleTest extends EngineFixture {

  @Test
  void burstArrivesInOrderAfterCreatedReturnedAndClosedIsLast() throws Exception {
    CompletableFuture<Void> created = new CompletableFuture<>();
    handler.on(Type.SOCKET_CREATED, (e, a) -> created);
    start();
    var device = listener.connect();
    handler.awaitConnection(1, WAIT);
    ByteArrayOutputStream sent = new ByteArrayOutputStream();
    for (int i = 0; i < 1000; i++) {
      byte[] chunk = ("chunk-" + i + ";").getBytes(StandardCharsets.UTF_8);
      sent.writeBytes(chunk);
      device.send(chunk);
    }
    device.close();
    // Nothing may overtake onSocketCreated while it has not returned.
    listener.awaitQueuedTasks(WAIT); // every send and the close have reached the engine
    assertThat(handler.events()).extracting(HandlerEvent::type).containsExactly(Type.SOCKET_CREATED);
    created.complete(null);
    String conn = handler.connections().get(0);
    assertThat(handler.awaitClosed(conn, WAIT)).isEqualTo("{shutdown,tcp_closed}");
    List<HandlerEvent> events = handler.events(conn);
    assertThat(events).hasSize(1002);
    assertThat(new String(handler.receivedBytes(conn), StandardCharsets.UTF_8))
        .isEqualTo(sent.toString(StandardCharsets.UTF_8));
    handler.assertLifecycleOrder(conn);
  }

  @Test
  void atMostOneCallbackInFlightPerConnection() throws Exception {
    java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger maxSeen = new java.util.concurrent.atomic.AtomicInteger();
    var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      handler.on(Type.RECEIVED_BYTES, (e, a) -> {
        maxSeen.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        return CompletableFuture.runAsync(inFlight::decrementAndGet, pool);
      });
      start();
      String conn = connect();
      for (int i = 0; i < 200; i++) {
        lastDevice.send(new byte[] {(byte) i});
      }
      handler.awaitBytes(conn, 200, WAIT);
      assertThat(maxSeen.get()).isEqualTo(1);
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void handlerThatCallsTheAdapterInsideACallbackAndWaitsDoesNotDeadlock() throws Exception {
    handler.on(Type.RECEIVED_BYTES, (e, adapter) -> {
      // Blocking on our own connection's operation from inside the callback: completes at once.
      AdapterResult r = adapter.authenticate(e.conn(), ClientInfo.of("c1", "u"), "p")
          .toCompletableFuture().get(2, TimeUnit.SECONDS);
      AdapterResult s = adapter.send(e.conn(), ("auth:" + r.code()).getBytes(StandardCharsets.UTF_8))
          .toCompletableFuture().get(2, TimeUnit.SECONDS);
      assertThat(s.isSuccess()).isTrue();
      return CompletableFuture.completedStage(null);
    });
    start();
    connect();
    lastDevice.send("login");
    assertThat(lastDevice.awaitWrites(1, WAIT).get(0)).asString().isEqualTo("auth:SUCCESS");
  }

  @Test
  void keepaliveTimesOutAfterOneAndAHalfIntervalsWithoutInboundBytes() throws Exception {
    start(b -> b.idleTimeout(Duration.ofSeconds(30)));
    String conn = connect();
    assertThat(await(adapter.startTimer(conn, TimerType.KEEPALIVE, 10)).isSuccess()).isTrue();
    clock.advance(Duration.ofSeconds(10));
    lastDevice.send("ping"); // inbound bytes reset the window
    handler.awaitBytes(conn, 4, WAIT);
    clock.advance(Duration.ofSeconds(14));
    // Sends and adapter calls do not count as activity.
    await(adapter.send(conn, new byte[] {1}));
    clock.advance(Duration.ofMillis(500));
    assertThat(lastDevice.isClosedByGateway()).isFalse();
    clock.advance(Duration.ofMillis(600)); // 15.1 s after the ping
    assertThat(handler.awaitClosed(conn, WAIT)).isEqualTo("{shutdown,keepalive_timeout}");
    List<HandlerEvent> events = handler.events(conn);
    assertThat(events.get(events.size() - 2).type()).isEqualTo(Type.TIMER_TIMEOUT);
    assertThat(events.get(events.size() - 2).timer()).isEqualTo(TimerType.KEEPALIVE);
    lastDevice.awaitClosedByGateway(WAIT);
  }

  @Test
  void startTimerReplacesTheEarlierInterval() throws Exception {
    start();
    String conn = connect();
    await(adapter.startTimer(conn, TimerType.KEEPALIVE, 2));
    await(adapter.startTimer(conn, TimerType.KEEPALIVE, 100));
    clock.advance(Duration.ofSeconds(100));
    lastDevice.send("x");
    handler.awaitBytes(conn, 1, WAIT);
    assertThat(lastDevice.isClosedByGateway()).isFalse();
    clock.advance(Duration.ofSeconds(151));
    assertThat(handler.awaitClosed(conn, WAIT)).isEqualTo("{shutdown,keepalive_timeout}");
  }

  @Test
  void idleTimeoutClosesASilentConnection() throws Exception {
    start(b -> b.idleTimeout(Duration.ofSeconds(5)));
    String silent = connect();
    var silentDevice = lastDevice;
    String talker = connect();
    lastDevice.send("hello");
    handler.awaitBytes(talker, 5, WAIT);
    clock.advance(Duration.ofSeconds(5));
    assertThat(handler.awaitClosed(silent, WAIT)).isEqualTo("{shutdown,idle_timeout}");
    silentDevice.awaitClosedByGateway(WAIT);
    clock.advance(Duration.ofSeconds(60));
    assertThat(lastDevice.isClosedByGateway()).isFalse();
  }

  @Test
  void peerCloseAndSocketErrorReasons() throws Exception {
    start();
    String a = connect();
    lastDevice.close();
    String b = connect();
    lastDevice.fail("econnreset");
    assertThat(handler.awaitClosed(a, WAIT)).isEqualTo("{shutdown,tcp_closed}");
    assertThat(handler.awaitClosed(b, WAIT)).isEqualTo("{shutdown,econnreset}");
  }

  @Test
  void kickClosesAnAuthenticatedClient() throws Exception {
    start();
    String conn = connect();
    assertThat(gateway.kick("c1")).isFalse();
    auth(conn, "c1");
    assertThat(gateway.clients()).extracting(c -> c.conn()).containsExactly(conn);
    assertThat(gateway.kick("c1")).isTrue();
    assertThat(handler.awaitClosed(conn, WAIT)).isEqualTo("{shutdown,kicked}");
    lastDevice.awaitClosedByGateway(WAIT);
    assertThat(gateway.clients()).isEmpty();
  }

  @Test
  void sameClientIdTakesOver() throws Exception {
    start();
    String older = connect();
    var olderDevice = lastDevice;
    String newer = connect();
    assertThat(auth(older, "dup").isSuccess()).isTrue();
    assertThat(auth(newer, "dup").isSuccess()).isTrue();
    assertThat(handler.awaitClosed(older, WAIT)).isEqualTo("{shutdown,discarded}");
    olderDevice.awaitClosedByGateway(WAIT);
    assertThat(gateway.clients()).extracting(c -> c.conn()).containsExactly(newer);
    assertThat(await(adapter.send(newer, new byte[1])).isSuccess()).isTrue();
  }

  @Test
  void authenticationExpiryClosesTheConnection() throws Exception {
    start(b -> b.authenticator(c -> CompletableFuture.completedStage(
        AuthResult.allowUntil(Instant.ofEpochMilli(clock.currentTimeMillis() + 60_000)))));
    String conn = connect();
    lastDevice.send("keep me from idling");
    assertThat(auth(conn, "c1").isSuccess()).isTrue();
    clock.advance(Duration.ofSeconds(59));
    assertThat(lastDevice.isClosedByGateway()).isFalse();
    clock.advance(Duration.ofSeconds(1));
    assertThat(handler.awaitClosed(conn, WAIT)).isEqualTo("{shutdown,expired}");
  }

  @Test
  void failedCallbackClosesWithTheCallbackNameAndReason() throws Exception {
    handler.on(Type.RECEIVED_BYTES, (e, a) -> e.text().equals("boom")
        ? CompletableFuture.failedStage(new CallbackFailedException("unavailable", null))
        : e.text().equals("crash") ? CompletableFuture.failedStage(new IllegalStateException("bug"))
        : CompletableFuture.completedStage(null));
    start();
    String a = connect();
    var deviceA = lastDevice;
    deviceA.send("boom");
    String b = connect();
    lastDevice.send("crash");
    assertThat(handler.awaitClosed(a, WAIT))
        .isEqualTo("{shutdown,{error,{on_received_bytes,unavailable}}}");
    assertThat(handler.awaitClosed(b, WAIT))
        .isEqualTo("{shutdown,{error,{on_received_bytes,internal}}}");
    deviceA.awaitClosedByGateway(WAIT);
    assertThat(gateway.stats().callbackFailures()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void aCallbackFailingAfterTheDeviceLeftKeepsThePeerReasonAndLogsNoWarning() throws Exception {
    CompletableFuture<Void> pending = new CompletableFuture<>();
    handler.on(Type.RECEIVED_BYTES, (e, a) -> e.text().equals("slow") ? pending
        : CompletableFuture.failedStage(new IllegalStateException("bug")));
    java.io.PrintStream originalErr = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      start();
      String left = connect();
      lastDevice.send("slow");
      handler.await(e -> e.conn().equals(left) && e.type() == Type.RECEIVED_BYTES, WAIT);
      lastDevice.close();
      listener.awaitQueuedTasks(WAIT); // the engine has seen the device leave
      // As a handler does whose adapter calls now answer CONN_PROCESS_NOT_ALIVE.
      pending.completeExceptionally(new IllegalStateException("CONN_PROCESS_NOT_ALIVE"));
      assertThat(handler.awaitClosed(left, WAIT)).isEqualTo("{shutdown,tcp_closed}");

      String open = connect(); // the same failure on an open connection still warns
      lastDevice.send("crash");
      assertThat(handler.awaitClosed(open, WAIT))
          .isEqualTo("{shutdown,{error,{on_received_bytes,internal}}}");
      assertThat(gateway.stats().callbackFailures()).isEqualTo(2);
      String log = captured.toString(StandardCharsets.UTF_8);
      // Names the connection, the callback, the handler and the cause.
      assertThat(log).contains("conn " + open + ": on_received_bytes failed on handler "
          + handler + ": java.lang.IllegalStateException: bug; closing the connection");
      assertThat(log).doesNotContain("conn " + left);
    } finally {
      System.setErr(originalErr);
      originalErr.print(captured.toString(StandardCharsets.UTF_8));
    }
  }

  @Test
  void failedOnSocketCreatedClosesTheConnection() throws Exception {
    handler.on(Type.SOCKET_CREATED, (e, a) ->
        CompletableFuture.failedStage(new CallbackFailedException("unavailable", null)));
    start();
    String conn = connect();
    assertThat(handler.awaitClosed(conn, WAIT))
        .isEqualTo("{shutdown,{error,{on_socket_created,unavailable}}}");
    lastDevice.awaitClosedByGateway(WAIT);
  }

  @Test
  void callbackThatNeverCompletesHitsTheDeadline() throws Exception {
    CompletableFuture<Void> never = new CompletableFuture<>();
    handler.on(Type.RECEIVED_BYTES, (e, a) -> never);
    start(b -> b.callbackTimeout(Duration.ofSeconds(3)));
    String conn = connect();
    lastDevice.send("x");
    handler.awaitBytes(conn, 1, WAIT);
    listener.awaitQueuedTasks(WAIT); // the dispatch (and its deadline) finished on the loop
    clock.advance(Duration.ofSeconds(2));
    assertThat(lastDevice.isClosedByGateway()).isFalse();
    clock.advance(Duration.ofSeconds(1));
    assertThat(handler.awaitClosed(conn, WAIT))
        .isEqualTo("{shutdown,{error,{on_received_bytes,deadline_exceeded}}}");
    // The handler is told the answer is no longer awaited, so it can let go of the work.
    assertThat(never).isCancelled();
  }

  @Test
  void queuedCallbacksAreFlushedOnCloseForAtMostTheFlushTimeout() throws Exception {
    CompletableFuture<Void> stuck = new CompletableFuture<>();
    handler.on(Type.RECEIVED_BYTES, (e, a) -> e.text().equals("slow") ? stuck
        : CompletableFuture.completedStage(null));
    start(b -> b.closeFlushTimeout(Duration.ofSeconds(15)).callbackTimeout(Duration.ofSeconds(60)));
    String conn = connect();
    lastDevice.send("slow").send("queued-1").send("queued-2");
    handler.awaitBytes(conn, 4, WAIT);
    assertThat(await(adapter.close(conn)).isSuccess()).isTrue();
    clock.advance(Duration.ofSeconds(14));
    assertThat(handler.events(conn)).extracting(HandlerEvent::type).doesNotContain(Type.SOCKET_CLOSED);
    clock.advance(Duration.ofSeconds(1));
    assertThat(handler.awaitClosed(conn, WAIT)).isEqualTo("{shutdown,normal}");
    // The queued callbacks did not make it within the window; closed came anyway, once, last.
    assertThat(handler.receivedBytes(conn)).asString(StandardCharsets.UTF_8).isEqualTo("slow");
    assertThat(stuck).as("the abandoned callback's stage").isCancelled();
  }

  @Test
  void queuedCallbacksAreDeliveredBeforeClosed() throws Exception {
    CompletableFuture<Void> first = new CompletableFuture<>();
    handler.on(Type.RECEIVED_BYTES, (e, a) -> e.text().equals("first") ? first
        : CompletableFuture.completedStage(null));
    start();
    String conn = connect();
    lastDevice.send("first").send("second");
    handler.awaitBytes(conn, 5, WAIT);
    lastDevice.close();
    first.complete(null);
    assertThat(handler.awaitClosed(conn, WAIT)).isEqualTo("{shutdown,tcp_closed}");
    assertThat(handler.receivedBytes(conn)).asString(StandardCharsets.UTF_8)
        .isEqualTo("firstsecond");
  }

  @Test
  void shutdownClosesEveryConnectionWithGatewayStopped() throws Exception {
    start();
    String a = connect();
    String b = connect();
    gateway.shutdown();
    assertThat(handler.awaitClosed(a, WAIT)).isEqualTo("{shutdown,gateway_stopped}");
    assertThat(handler.awaitClosed(b, WAIT)).isEqualTo("{shutdown,gateway_stopped}");
    assertThat(gateway.awaitTermination(WAIT)).isTrue();
  }

  @Test
  void slowHandlerPausesReadingAndResumes() throws Exception {
    CompletableFuture<Void> gate = new CompletableFuture<>();
    handler.on(Type.RECEIVED_BYTES, (e, a) -> gate);
    start(b -> b.maxQueuedCallbacks(8));
    String conn = connect();
    for (int i = 0; i < 20; i++) {
      lastDevice.send(new byte[] {(byte) i});
    }
    handler.awaitBytes(conn, 1, WAIT);
    org.awaitility.Awaitility.await().atMost(WAIT).until(lastDevice::isReadPaused);
    handler.on(Type.RECEIVED_BYTES, (e, a) -> CompletableFuture.completedStage(null));
    gate.complete(null);
    handler.awaitBytes(conn, 20, WAIT);
    org.awaitility.Awaitility.await().atMost(WAIT).until(() -> !lastDevice.isReadPaused());
  }

  @Test
  void startTwiceThrows() throws Exception {
    start();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> gateway.start())
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void keepaliveIntervalIsReadAsUnsigned() throws Exception {
    start();
    String conn = connect();
    AdapterResult r = await(adapter.startTimer(conn, TimerType.KEEPALIVE, -1)); // 4294967295 s
    assertThat(r.code()).isEqualTo(ResultCode.SUCCESS);
  }
}
