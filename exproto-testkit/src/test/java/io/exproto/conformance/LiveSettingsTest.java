package io.exproto.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exproto.testkit.InMemoryDevice;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Gateway settings changed while it runs. */
class LiveSettingsTest extends EngineFixture {

  @Test
  void idleTimeoutUpdateAppliesToNewConnectionsOnly() throws Exception {
    start(b -> b.idleTimeout(Duration.ofSeconds(30)));
    String old = connect();
    InMemoryDevice oldDevice = lastDevice;

    gateway.updateIdleTimeout(Duration.ofSeconds(5));
    assertThat(gateway.idleTimeout()).isEqualTo(Duration.ofSeconds(5));
    String fresh = connect();
    InMemoryDevice freshDevice = lastDevice;

    clock.advance(Duration.ofSeconds(5));
    assertThat(handler.awaitClosed(fresh, WAIT)).isEqualTo("{shutdown,idle_timeout}");
    freshDevice.awaitClosedByGateway(WAIT);
    listener.awaitQueuedTasks(WAIT);
    assertThat(oldDevice.isClosedByGateway()).as("existing connection keeps 30 s").isFalse();

    clock.advance(Duration.ofSeconds(24));
    listener.awaitQueuedTasks(WAIT);
    assertThat(oldDevice.isClosedByGateway()).isFalse();
    clock.advance(Duration.ofSeconds(1));
    assertThat(handler.awaitClosed(old, WAIT)).isEqualTo("{shutdown,idle_timeout}");
  }

  @Test
  void idleTimeoutMustBePositive() throws Exception {
    start();
    assertThatThrownBy(() -> gateway.updateIdleTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("idleTimeout");
    assertThat(gateway.idleTimeout()).isEqualTo(Duration.ofSeconds(30));
  }
}
