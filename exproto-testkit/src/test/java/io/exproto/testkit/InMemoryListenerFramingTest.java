package io.exproto.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.exproto.gateway.Gateway;
import io.exproto.testkit.HandlerEvent.Type;
import io.exproto.transport.netty.Framing;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** An in-memory listener with framing gives a handler the frames a TcpListener would. */
class InMemoryListenerFramingTest {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private final RecordingHandler handler = new RecordingHandler();
  private Gateway gateway;

  private InMemoryListener start(Framing framing) throws Exception {
    InMemoryListener listener = InMemoryListener.create("mem").framing(framing);
    gateway = Gateway.builder().handler(handler::bind).listener(listener).build().start();
    return listener;
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
  }

  @Test
  void lineFramingJoinsAndSplitsSendsIntoLines() throws Exception {
    InMemoryDevice device = start(Framing.line(64)).connect();
    String conn = handler.awaitConnection(1, WAIT);

    device.send("CONNECT al").send("ice\nSUB a/#\r\nPUB").send(" a/b hi\n");

    assertThat(handler.awaitCount(e -> e.type() == Type.RECEIVED_BYTES, 3, WAIT))
        .extracting(HandlerEvent::text).containsExactly("CONNECT alice", "SUB a/#", "PUB a/b hi");
    assertThat(handler.events(conn)).extracting(HandlerEvent::type)
        .containsExactly(Type.SOCKET_CREATED, Type.RECEIVED_BYTES, Type.RECEIVED_BYTES,
            Type.RECEIVED_BYTES);
  }

  @Test
  void aFrameOverTheLimitClosesWithFrameTooLong() throws Exception {
    InMemoryDevice device = start(Framing.line(8)).connect();
    String conn = handler.awaitConnection(1, WAIT);

    device.send("short\n").send("far too long for eight bytes\n");

    assertThat(handler.awaitClosed(conn, WAIT)).isEqualTo("{shutdown,frame_too_long}");
    assertThat(handler.receivedBytes(conn)).asString().isEqualTo("short");
    device.awaitClosedByGateway(WAIT);
  }

  @Test
  void withoutFramingEachSendIsOneCallback() throws Exception {
    InMemoryDevice device = start(Framing.none()).connect();
    handler.awaitConnection(1, WAIT);

    device.send("a\nb").send("c");

    assertThat(handler.awaitCount(e -> e.type() == Type.RECEIVED_BYTES, 2, WAIT))
        .extracting(HandlerEvent::text).containsExactly("a\nb", "c");
  }
}
