package io.exproto.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exproto.gateway.BanList;
import io.exproto.handler.AdapterResult;
import io.exproto.handler.ResultCode;
import io.exproto.testkit.InMemoryDevice;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** The ban list, by address (IP or CIDR) and by client id, changed on a running gateway. */
class BanListTest extends EngineFixture {

  private static InetSocketAddress peer(String ip, int port) {
    return new InetSocketAddress(ip, port);
  }

  private String connectFrom(String ip) throws Exception {
    int before = handler.connections().size();
    lastDevice = listener.connect(peer(ip, 50000));
    return handler.awaitConnection(before + 1, WAIT);
  }

  @Test
  void bannedCidrIsRefusedAtAcceptBeforeTheHandlerHearsOfIt() throws Exception {
    start();
    assertThat(gateway.banList().banAddress("10.1.0.0/16")).isTrue();
    assertThat(gateway.banList().banAddress("10.1.2.3/16")).as("same block normalized").isFalse();
    assertThat(gateway.banList().bannedAddresses()).containsExactly("10.1.0.0/16");

    InMemoryDevice banned = listener.connect(peer("10.1.200.7", 50000));
    banned.awaitClosedByGateway(WAIT);
    banned.send("ignored");
    String allowed = connectFrom("10.2.0.1");
    listener.awaitQueuedTasks(WAIT);
    assertThat(handler.connections()).containsExactly(allowed);
    assertThat(gateway.stats().connectionsBanned()).isEqualTo(1);
    assertThat(gateway.stats().connectionsAccepted()).isEqualTo(1);

    assertThat(gateway.banList().unbanAddress("10.1.0.0/16")).isTrue();
    String again = connectFrom("10.1.200.7");
    assertThat(handler.connections()).containsExactly(allowed, again);
  }

  @Test
  void banningAnAddressClosesItsLiveConnectionsOnly() throws Exception {
    start();
    String v4 = connectFrom("192.0.2.7");
    InMemoryDevice v4Device = lastDevice;
    String v6 = connectFrom("2001:db8::1");
    InMemoryDevice v6Device = lastDevice;
    String other = connectFrom("198.51.100.1");
    InMemoryDevice otherDevice = lastDevice;

    gateway.banList().banAddress("192.0.2.7");
    assertThat(handler.awaitClosed(v4, WAIT)).isEqualTo("{shutdown,banned}");
    v4Device.awaitClosedByGateway(WAIT);
    gateway.banList().banAddress("2001:db8::/32");
    assertThat(handler.awaitClosed(v6, WAIT)).isEqualTo("{shutdown,banned}");
    v6Device.awaitClosedByGateway(WAIT);

    otherDevice.send("still here");
    handler.awaitBytes(other, 10, WAIT);
    assertThat(otherDevice.isClosedByGateway()).isFalse();
    assertThat(gateway.stats().connections()).isEqualTo(1);
  }

  @Test
  void bannedClientIdIsRefusedAndItsLiveConnectionKicked() throws Exception {
    start();
    String live = connect();
    InMemoryDevice liveDevice = lastDevice;
    assertThat(auth(live, "dev-1").isSuccess()).isTrue();

    assertThat(gateway.banList().banClientId("dev-1")).isTrue();
    assertThat(handler.awaitClosed(live, WAIT)).isEqualTo("{shutdown,banned}");
    liveDevice.awaitClosedByGateway(WAIT);
    assertThat(gateway.clients()).isEmpty();

    String retry = connect();
    AdapterResult r = auth(retry, "dev-1");
    assertThat(r.code()).isEqualTo(ResultCode.PERMISSION_DENY);
    assertThat(r.message()).isEqualTo("client id is banned");
    assertThat(lastDevice.isClosedByGateway()).as("socket stays open").isFalse();
    assertThat(auth(retry, "dev-2").isSuccess()).isTrue();

    assertThat(gateway.banList().unbanClientId("dev-1")).isTrue();
    assertThat(gateway.banList().isBanned("dev-1")).isFalse();
    String back = connect();
    assertThat(auth(back, "dev-1").isSuccess()).isTrue();
  }

  @Test
  void cidrMatchingAndParsing() throws Exception {
    start();
    BanList bans = gateway.banList();
    bans.banAddress("172.16.0.0/12");
    bans.banAddress("fd00::/8");
    bans.banClientId("x");
    assertThat(bans.isBanned(InetAddress.getByName("172.31.255.255"))).isTrue();
    assertThat(bans.isBanned(InetAddress.getByName("172.32.0.0"))).isFalse();
    assertThat(bans.isBanned(InetAddress.getByName("fd12:3456::1"))).isTrue();
    assertThat(bans.isBanned(InetAddress.getByName("fe80::1"))).isFalse();
    assertThat(bans.isBanned("x")).isTrue();
    assertThat(bans.bannedAddresses()).containsExactlyInAnyOrder("172.16.0.0/12", "fd00:0:0:0:0:0:0:0/8");
    assertThat(bans.bannedClientIds()).containsExactly("x");
    assertThatThrownBy(() -> bans.banAddress("example.com"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("example.com");
    assertThatThrownBy(() -> bans.banAddress("10.0.0.0/33"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("prefix");
    assertThatThrownBy(() -> bans.banAddress("10.0.0.0/x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> bans.banClientId(""))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
