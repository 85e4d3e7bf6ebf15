package io.exproto.testkit;

import io.exproto.handler.SocketType;
import io.exproto.transport.LinkExecutor;
import io.exproto.transport.LinkListener;
import io.exproto.transport.netty.Framing;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The device end of an {@link InMemoryListener} connection: send bytes to the gateway, read what
 * the gateway wrote, close as the peer. Thread-safe.
 */
public final class InMemoryDevice {
  private final LinkExecutor executor;
  private final SocketType socketType;
  private final CompletableFuture<LinkListener> listener = new CompletableFuture<>();
  private final List<byte[]> writes = new ArrayList<>();
  private final CompletableFuture<Void> closedByGateway = new CompletableFuture<>();
  private volatile boolean peerClosed;
  private volatile boolean readPaused;
  private final Framing.Splitter splitter; // loop thread only
  private boolean framingFailed; // loop thread only

  InMemoryDevice(LinkExecutor executor, SocketType socketType, Framing.Splitter splitter) {
    this.executor = executor;
    this.socketType = socketType;
    this.splitter = splitter;
  }

  void attach(LinkListener l) {
    listener.complete(l);
  }

  synchronized void received(byte[] bytes) {
    writes.add(bytes);
    notifyAll();
  }

  void closedByGateway() {
    closedByGateway.complete(null);
  }

  void readPaused(boolean paused) {
    readPaused = paused;
  }

  /**
   * Sends bytes to the gateway: one read, as a socket read would be, cut into frames if the
   * listener has a framing.
   */
  public InMemoryDevice send(byte[] bytes) {
    byte[] copy = bytes.clone();
    // The accept task was queued on the same loop first, so the listener is attached by then.
    executor.execute(() -> {
      if (framingFailed) {
        return;
      }
      LinkListener l = listener.join();
      try {
        for (byte[] frame : splitter.feed(copy)) {
          l.onBytes(frame);
        }
      } catch (Framing.FrameException e) {
        // As the socket transport does: the connection closes with the framing's reason.
        framingFailed = true;
        closedByGateway.complete(null);
        l.onClosed(e.reason());
      }
    });
    return this;
  }

  /** Sends the UTF-8 bytes of {@code text}. */
  public InMemoryDevice send(String text) {
    return send(text.getBytes(StandardCharsets.UTF_8));
  }

  /** Closes from the device side; the gateway sees {@code tcp_closed} (or {@code ssl_closed}). */
  public void close() {
    peerClosed = true;
    String reason = socketType == SocketType.SSL || socketType == SocketType.DTLS ? "ssl_closed"
        : "tcp_closed";
    executor.execute(() -> listener.join().onClosed(reason));
  }

  /** Fails the connection as a socket error {@code error} would (e.g. {@code econnreset}). */
  public void fail(String error) {
    peerClosed = true;
    executor.execute(() -> listener.join().onClosed(error));
  }

  /** Every write the gateway made, in order, each as written. */
  public synchronized List<byte[]> writes() {
    return new ArrayList<>(writes);
  }

  /** Waits until the gateway has made at least {@code n} writes; returns them. */
  public synchronized List<byte[]> awaitWrites(int n, Duration timeout) throws TimeoutException,
      InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (writes.size() < n) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new TimeoutException("expected " + n + " writes, got " + writes.size());
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return new ArrayList<>(writes);
  }

  /** All bytes written so far, concatenated. */
  public synchronized byte[] receivedBytes() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] w : writes) {
      out.writeBytes(w);
    }
    return out.toByteArray();
  }

  /** True once the gateway closed the link. */
  public boolean isClosedByGateway() {
    return closedByGateway.isDone();
  }

  /** Waits for the gateway to close the link. */
  public void awaitClosedByGateway(Duration timeout) throws Exception {
    closedByGateway.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** True while the gateway has paused reading from this device (backpressure). */
  public boolean isReadPaused() {
    return readPaused;
  }

  /** True once the device side closed or failed. */
  public boolean isPeerClosed() {
    return peerClosed;
  }
}
