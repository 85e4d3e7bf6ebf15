package io.exproto.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.exproto.transport.Link;
import io.exproto.transport.LinkListener;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Records what a link reports, and every breach of the SPI contract: an event off the link's
 * executor, or any event after {@code onClosed}.
 */
final class RecordingListener implements LinkListener {

  final Link link;
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final List<Integer> readSizes = new ArrayList<>();
  private final List<String> closes = new CopyOnWriteArrayList<>();
  private final List<String> violations = new CopyOnWriteArrayList<>();
  /** Runs inside {@code onBytes}, on the link's executor, like the engine would. */
  volatile Consumer<byte[]> onBytesHook = b -> {};

  RecordingListener(Link link) {
    this.link = link;
    checkOnExecutor("accept");
  }

  @Override
  public void onBytes(byte[] received) {
    checkOnExecutor("onBytes");
    if (!closes.isEmpty()) {
      violations.add("onBytes after onClosed");
    }
    synchronized (this) {
      bytes.writeBytes(received);
      readSizes.add(received.length);
    }
    onBytesHook.accept(received);
  }

  @Override
  public void onClosed(String reason) {
    checkOnExecutor("onClosed");
    closes.add(reason);
  }

  private void checkOnExecutor(String event) {
    if (!link.executor().inExecutorThread()) {
      violations.add(event + " off the link's executor on " + Thread.currentThread().getName());
    }
  }

  synchronized byte[] received() {
    return bytes.toByteArray();
  }

  String receivedString() {
    return new String(received(), StandardCharsets.UTF_8);
  }

  synchronized List<Integer> readSizes() {
    return List.copyOf(readSizes);
  }

  List<String> closes() {
    return List.copyOf(closes);
  }

  List<String> violations() {
    return List.copyOf(violations);
  }

  /**
   * Waits until everything the link's executor had queued has run, so that "nothing more was
   * reported" can be asserted without sleeping.
   */
  void drainExecutor() throws InterruptedException {
    CountDownLatch done = new CountDownLatch(1);
    link.executor().execute(done::countDown);
    assertThat(done.await(5, TimeUnit.SECONDS)).as("executor drained").isTrue();
  }
}
