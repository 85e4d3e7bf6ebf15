package io.exproto.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exproto.gateway.Gateway;
import io.exproto.testkit.InMemoryDevice;
import io.exproto.testkit.InMemoryListener;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/** Listeners added, removed and replaced on a running gateway. */
class LiveListenersTest extends EngineFixture {

  private String connectTo(InMemoryListener l) throws Exception {
    int before = handler.connections().size();
    lastDevice = l.connect();
    return handler.awaitConnection(before + 1, WAIT);
  }

  private void assertAnswers(String conn, InMemoryDevice device) throws Exception {
    int before = handler.receivedBytes(conn).length;
    device.send("ping");
    handler.awaitBytes(conn, before + 4, WAIT);
    int writes = device.writes().size();
    assertThat(await(adapter.send(conn, "pong".getBytes(StandardCharsets.UTF_8))).isSuccess())
        .isTrue();
    device.awaitWrites(writes + 1, WAIT);
    assertThat(device.isClosedByGateway()).isFalse();
  }

  @Test
  void addedListenerAcceptsAndRemovingItClosesOnlyItsConnections() throws Exception {
    start();
    String onDefault = connect();
    InMemoryDevice defaultDevice = lastDevice;

    InMemoryListener second = InMemoryListener.create("second");
    gateway.addListener(second);
    assertThat(gateway.listenerAddresses()).containsOnlyKeys("default", "second");
    String onSecond = connectTo(second);
    InMemoryDevice secondDevice = lastDevice;
    String onSecond2 = connectTo(second);
    assertAnswers(onSecond, secondDevice);

    assertThat(gateway.removeListener("second")).isTrue();
    assertThat(handler.awaitClosed(onSecond, WAIT)).isEqualTo("{shutdown,listener_stopped}");
    assertThat(handler.awaitClosed(onSecond2, WAIT)).isEqualTo("{shutdown,listener_stopped}");
    secondDevice.awaitClosedByGateway(WAIT);
    assertThat(gateway.listenerAddresses()).containsOnlyKeys("default");
    assertThat(gateway.removeListener("second")).isFalse();

    // The other listener's connection stays open and answering.
    assertAnswers(onDefault, defaultDevice);
    assertThat(gateway.stats().connections()).isEqualTo(1);
    connect();
    assertThat(gateway.stats().connections()).isEqualTo(2);
  }

  @Test
  void updateReplacesTheListenerAndLeavesOthersUntouched() throws Exception {
    start();
    InMemoryListener second = InMemoryListener.create("second");
    gateway.addListener(second);
    String onDefault = connect();
    InMemoryDevice defaultDevice = lastDevice;
    String onOld = connectTo(second);

    InMemoryListener replacement = InMemoryListener.create("second");
    gateway.updateListener(replacement);
    assertThat(handler.awaitClosed(onOld, WAIT)).isEqualTo("{shutdown,listener_stopped}");
    assertThat(gateway.listenerAddresses()).containsOnlyKeys("default", "second");

    String onNew = connectTo(replacement);
    assertAnswers(onNew, lastDevice);
    assertAnswers(onDefault, defaultDevice);
    assertThat(gateway.stats().connections()).isEqualTo(2);
  }

  @Test
  void misuseIsRefusedWithSpecificErrors() throws Exception {
    start();
    assertThatThrownBy(() -> gateway.addListener(InMemoryListener.create("default")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'default'");
    assertThatThrownBy(() -> gateway.updateListener(InMemoryListener.create("nope")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'nope'");
    assertThatThrownBy(() -> gateway.updateListener(listener))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unstarted");
    assertThatThrownBy(() -> gateway.addListener(new FailingListener()))
        .isInstanceOf(java.io.IOException.class);
    assertThat(gateway.listenerAddresses()).containsOnlyKeys("default");
    gateway.shutdown();
    assertThatThrownBy(() -> gateway.addListener(InMemoryListener.create("late")))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("shutting down");
    assertThatThrownBy(() -> gateway.removeListener("default"))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void listenersCannotBeChangedBeforeStart() {
    Gateway g = Gateway.builder().handler(handler).listener(InMemoryListener.create("a"))
        .scheduler(clock).build();
    try {
      assertThatThrownBy(() -> g.addListener(InMemoryListener.create("b")))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("not started");
    } finally {
      g.shutdownNow();
    }
  }

  /** A listener whose port is taken. */
  static final class FailingListener implements io.exproto.transport.TransportListener {
    @Override
    public String name() {
      return "failing";
    }

    @Override
    public String kind() {
      return "memory";
    }

    @Override
    public void start(io.exproto.transport.LinkAcceptor acceptor) throws java.io.IOException {
      throw new java.net.BindException("Address already in use");
    }

    @Override
    public java.net.InetSocketAddress localAddress() {
      return null;
    }

    @Override
    public CompletionStage<Void> stop() {
      return java.util.concurrent.CompletableFuture.completedFuture(null);
    }
  }
}
