package io.exproto.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.exproto.broker.BrokerMessage;
import io.exproto.broker.InMemoryBroker;
import io.exproto.gateway.Gateway;
import io.exproto.grpc.GrpcAdapterServer;
import io.exproto.grpc.GrpcHandler;
import io.exproto.testkit.TcpTestDevice;
import io.exproto.transport.netty.TcpListener;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Everything over real sockets and real gRPC: device → gateway → GrpcHandler → PubSubHandlerServer
 * → ConnectionAdapter (gRPC) → broker → OnReceivedMessages → Send → device.
 */
class EndToEndGrpcTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final InMemoryBroker broker = new InMemoryBroker();
  private final RecordingSubscriber upProbe = new RecordingSubscriber();
  private PubSubHandlerServer handlerServer;
  private TcpListener tcp;
  private Gateway gateway;
  private GrpcAdapterServer adapterServer;

  @BeforeEach
  void startEverything() throws Exception {
    broker.subscribe("devices/+/up", 1, upProbe).toCompletableFuture().join();
    // The handler first (the gateway needs its address), told the adapter's port once it is bound.
    handlerServer = new PubSubHandlerServer().start(new InetSocketAddress("127.0.0.1", 0));
    tcp = TcpListener.builder().name("tcp").bind("127.0.0.1", 0).build();
    gateway = Gateway.builder()
        .broker(broker)
        .listener(tcp)
        .handler(GrpcHandler.unary(handlerServer.loopbackUrl()))
        .build();
    adapterServer = GrpcAdapterServer.builder(gateway.adapter())
        .bind(new InetSocketAddress("127.0.0.1", 0))
        .build()
        .start();
    handlerServer.adapterAddress("127.0.0.1:" + adapterServer.port());
    gateway.start();
  }

  @AfterEach
  void stopEverything() throws Exception {
    try {
      gateway.shutdown();
      assertThat(gateway.awaitTermination(WAIT)).as("gateway terminated").isTrue();
      assertThat(gateway.stats().connections()).isZero();
    } finally {
      adapterServer.close();
      handlerServer.close();
    }
  }

  @Test
  void bytesComeBackThroughTheBrokerAndReachTheBackend() throws Exception {
    try (TcpTestDevice device = TcpTestDevice.connect(tcp.localAddress())) {
      assertThat(device.send("hello").readText(5, WAIT)).isEqualTo("hello");
    }

    await().atMost(WAIT).until(() -> !upProbe.messages().isEmpty());
    BrokerMessage up = upProbe.messages().get(0);
    assertThat(new String(up.payload(), StandardCharsets.UTF_8)).isEqualTo("hello");
    assertThat(up.from()).startsWith("dev-");
    assertThat(up.topic()).isEqualTo("devices/" + up.from() + "/up");

    // Closing the device unsubscribes it and ends its handler state; only the probe remains.
    await().atMost(WAIT).until(() -> gateway.stats().connections() == 0);
    await().atMost(WAIT).until(() -> handlerServer.connections() == 0);
    await().atMost(WAIT).until(() -> broker.subscriptionCount() == 1);
    assertThat(gateway.stats().callbackFailures()).isZero();
  }

  @Test
  void eachDeviceGetsOnlyItsOwnBytes() throws Exception {
    try (TcpTestDevice a = TcpTestDevice.connect(tcp.localAddress());
        TcpTestDevice b = TcpTestDevice.connect(tcp.localAddress())) {
      assertThat(a.send("alpha").readText(5, WAIT)).isEqualTo("alpha");
      assertThat(b.send("bravo").readText(5, WAIT)).isEqualTo("bravo");
      assertThat(a.send("again").readText(5, WAIT)).isEqualTo("again");
      assertThat(gateway.clients()).hasSize(2);
    }
    await().atMost(WAIT).until(() -> gateway.stats().connections() == 0);
    await().atMost(WAIT).until(() -> broker.subscriptionCount() == 1);
    assertThat(upProbe.messages()).extracting(m -> new String(m.payload(), StandardCharsets.UTF_8))
        .containsExactlyInAnyOrder("alpha", "bravo", "again");
  }
}
