package io.exproto.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exproto.handler.ResultCode;
import io.exproto.handler.TimerType;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The engine extension used as a handler author would, as its documentation shows. */
class EngineExtensionTest {

  @RegisterExtension
  final EngineExtension engine = new EngineExtension();

  @Test
  void aKeepaliveExpiresOnlyWhenTheTestMovesTheClock() throws Exception {
    engine.start(b -> b.idleTimeout(Duration.ofSeconds(30)));
    String conn = engine.connect();
    assertThat(EngineExtension.await(engine.adapter().startTimer(conn, TimerType.KEEPALIVE, 10))
        .code()).isEqualTo(ResultCode.SUCCESS);

    engine.clock().advance(Duration.ofSeconds(14)); // under 1.5 x 10 s
    assertThat(engine.gateway().stats().connections()).isEqualTo(1);
    engine.clock().advance(Duration.ofSeconds(1));
    assertThat(engine.handler().awaitClosed(conn, EngineExtension.WAIT))
        .isEqualTo("{shutdown,keepalive_timeout}");
    assertThat(engine.lastDevice().isPeerClosed()).isFalse(); // the gateway closed it
  }

  @Test
  void authenticatedClientsPublishThroughTheInMemoryBroker() throws Exception {
    engine.start();
    String a = engine.connect();
    String b = engine.connect();
    assertThat(engine.auth(a, "a").isSuccess()).isTrue();
    assertThat(engine.auth(b, "b").isSuccess()).isTrue();
    EngineExtension.await(engine.adapter().subscribe(b, "t/#", 1));
    EngineExtension.await(engine.adapter().publish(a, "t/1", 1, new byte[] {42}));
    assertThat(engine.handler().awaitMessages(b, 1, EngineExtension.WAIT))
        .singleElement().satisfies(m -> assertThat(m.from()).isEqualTo("a"));
    // Left subscribed and connected: the extension closes both after the test and checks.
  }

  @Test
  void usingTheEngineBeforeStartSaysSo() {
    assertThatThrownBy(engine::adapter).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("start()");
    assertThat(engine.gateway()).isNull();
  }
}
