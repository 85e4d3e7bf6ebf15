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

  @Test
  void deniedClientsAreClosedAndCountedBeforeTheRateIsSpent() {
    AccessRules rules = AccessRules.parse(List.of("allow 10.0.0.1", "deny 10.0.0.0/8"));
    AcceptGate gate = new AcceptGate("test", rules::allows, 1, () -> now);
    EmbeddedChannel server = new EmbeddedChannel(gate);

    assertThat(accept(server, client("10.0.0.2"))).isFalse();
    assertThat(accept(server, client("10.9.9.9"))).isFalse();
    assertThat(accept(server, client("10.0.0.1"))).isTrue(); // the one token
    assertThat(accept(server, client("192.168.0.1"))).isFalse(); // allowed, but over the rate

    assertThat(gate.deniedConnections()).isEqualTo(2);
    assertThat(gate.rateLimitedConnections()).isEqualTo(1);
  }

  @Test
  void theRateLimitsBurstsAndRefills() {
    AcceptGate gate = new AcceptGate("test", null, 2, () -> now);
    EmbeddedChannel server = new EmbeddedChannel(gate);
    int accepted = 0;

    for (int i = 0; i < 10; i++) {
      accepted += accept(server, client("127.0.0.1")) ? 1 : 0;
    }
    assertThat(accepted).isEqualTo(2);
    assertThat(gate.rateLimitedConnections()).isEqualTo(8);

    now += TimeUnit.MILLISECONDS.toNanos(500);
    assertThat(accept(server, client("127.0.0.1"))).isTrue();
    assertThat(accept(server, client("127.0.0.1"))).isFalse();
    assertThat(gate.rateLimitedConnections()).isEqualTo(9);
    assertThat(gate.deniedConnections()).isZero();
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
