package io.exproto.bench.jmh;

import io.exproto.server.EchoHandler;
import io.exproto.gateway.Gateway;
import io.exproto.testkit.InMemoryDevice;
import io.exproto.testkit.InMemoryListener;
import java.time.Duration;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Level;

/**
 * The callback queue hot path through public API (CallbackQueue itself is package-private): an
 * in-memory gateway (testkit {@link InMemoryListener}, no sockets) with the in-process
 * {@link EchoHandler}. One operation opens a connection, has 100 messages echoed (each an
 * OnReceivedBytes callback queued, dispatched and answered, and a send), and closes it; so
 * messages/s = score × 100.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
public class GatewayEchoBenchmark {
  private static final int MESSAGES = 100;
  private final byte[] payload = new byte[64];
  private InMemoryListener listener;
  private Gateway gateway;

  // A fresh listener per iteration: InMemoryListener numbers its fake peer ports from 40000
  // without wrapping, so one listener cannot open more than ~25,000 connections.
  @Setup(Level.Iteration)
  public void setUp() throws Exception {
    listener = InMemoryListener.create("mem");
    gateway = Gateway.builder().listener(listener).handler(EchoHandler::new).build().start();
  }

  @TearDown(Level.Iteration)
  public void tearDown() {
    gateway.shutdownNow();
  }

  @Benchmark
  public int connectEcho100Close() throws Exception {
    InMemoryDevice device = listener.connect();
    for (int i = 0; i < MESSAGES; i++) {
      device.send(payload);
    }
    int n = device.awaitWrites(MESSAGES, Duration.ofSeconds(10)).size();
    device.close();
    return n;
  }
}
