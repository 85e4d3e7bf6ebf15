package io.exproto.transport.netty.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.exproto.transport.AccessRules;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The gate in a listening channel's pipeline, on an {@link EmbeddedChannel}: accepted channels go
 * in as the server channel would read them; those let through come out for the bootstrap.
 */
class AcceptGateTest {

  private long now;

  private static EmbeddedChannel client(String ip) {
    InetSocketAddress remote = new InetSocketAddress(ip, 40_000);
    return new EmbeddedChannel() {
      @Override
      protected SocketAddress remoteAddress0() {
        return remote;
      }
    };
  }

  /** Feeds {@code client} to the listening channel; true if the gate passed it on. */
  private static boolean accept(EmbeddedChannel server, Channel client) {
    server.writeInbound(client);
    Channel passed = server.readInbound();
    assertThat(passed == null || passed == client).isTrue();
    assertThat(client.isOpen()).as("a client is closed exactly when it is not passed on")
        .isEqualTo(passed != null);
    return passed != null;
  }

  /** Feeds {@code client} to the listening channel; true if passed on, false if it waits. */
  private static boolean acceptOrWait(EmbeddedChannel server, Channel client) {
    server.writeInbound(client);
    Channel passed = server.readInbound();
    assertThat(passed == null || passed == client).isTrue();
    assertThat(client.isOpen()).as("over the rate, a client waits: it is not closed").isTrue();
    return passed != null;
  }

  @Test
  void deniedClientsAreClosedAndCountedBeforeTheRateIsSpent() {
    AccessRules rules = AccessRules.parse(List.of("allow 10.0.0.1", "deny 10.0.0.0/8"));
    AcceptGate gate = new AcceptGate("test", rules::allows, 1, () -> now);
    EmbeddedChannel server = new EmbeddedChannel(gate);

    assertThat(accept(server, client("10.0.0.2"))).isFalse();
    assertThat(accept(server, client("10.9.9.9"))).isFalse();
    assertThat(accept(server, client("10.0.0.1"))).isTrue(); // the one token
    // allowed, but over the rate: it waits for the next token
    assertThat(acceptOrWait(server, client("192.168.0.1"))).isFalse();

    assertThat(gate.deniedConnections()).isEqualTo(2);
    assertThat(gate.rateLimitedConnections()).isEqualTo(1);
    assertThat(gate.waitingConnections()).isEqualTo(1);
  }

  @Test
  void overTheRateAcceptingPausesAndTheWaitingAreAdmittedAtTheRate() {
    AcceptGate gate = new AcceptGate("test", null, 2, () -> now);
    EmbeddedChannel server = new EmbeddedChannel(gate);
    List<Channel> clients = new java.util.ArrayList<>();
    int passed = 0;

    for (int i = 0; i < 10; i++) {
      Channel c = client("127.0.0.1");
      clients.add(c);
      passed += acceptOrWait(server, c) ? 1 : 0;
    }
    assertThat(passed).isEqualTo(2); // the burst
    assertThat(gate.waitingConnections()).isEqualTo(8);
    assertThat(gate.rateLimitedConnections()).isEqualTo(8);
    assertThat(server.config().isAutoRead()).as("accepting paused").isFalse();

    // Each 500 ms one token: one waiting connection is passed on, in arrival order.
    for (int step = 1; step <= 8; step++) {
      now += TimeUnit.MILLISECONDS.toNanos(500);
      server.advanceTimeBy(500, TimeUnit.MILLISECONDS);
      server.runScheduledPendingTasks();
      assertThat(server.<Channel>readInbound()).isSameAs(clients.get(1 + step));
      assertThat(server.<Channel>readInbound()).isNull();
      assertThat(server.config().isAutoRead()).isEqualTo(step == 8);
    }
    assertThat(gate.waitingConnections()).isZero();
    assertThat(clients).allMatch(Channel::isOpen);
    assertThat(gate.deniedConnections()).isZero();
  }

  @Test
  void waitingConnectionsAreClosedWhenTheListenerCloses() {
    AcceptGate gate = new AcceptGate("test", null, 1, () -> now);
    EmbeddedChannel server = new EmbeddedChannel(gate);
    accept(server, client("127.0.0.1"));
    Channel waiting = client("127.0.0.1");
    acceptOrWait(server, waiting);

    server.close();

    assertThat(waiting.isOpen()).isFalse();
    assertThat(gate.waitingConnections()).isZero();
  }

  @Test
  void clientsWithoutAnIpAddressAreNotJudgedByTheRules() {
    AccessRules denyAll = AccessRules.parse(List.of("deny all"));
    AcceptGate gate = new AcceptGate("test", denyAll::allows, 10, () -> now);
    EmbeddedChannel server = new EmbeddedChannel(gate);

    assertThat(accept(server, new EmbeddedChannel())).isTrue(); // an EmbeddedSocketAddress
    assertThat(accept(server, client("127.0.0.1"))).isFalse();
  }

  @Test
  void otherMessagesPassUntouched() {
    EmbeddedChannel server = new EmbeddedChannel(new AcceptGate("test", null, 1, () -> now));

    server.writeInbound("not a channel");

    assertThat(server.<Object>readInbound()).isEqualTo("not a channel");
  }
}
