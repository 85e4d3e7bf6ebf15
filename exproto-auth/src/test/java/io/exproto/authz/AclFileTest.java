package io.exproto.authz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exproto.auth.Authorizer.Action;
import io.exproto.auth.ClientIdentity;
import io.exproto.handler.PeerCertificate;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class AclFileTest {
  static ClientIdentity client(String clientId, String username, String ip) {
    return new ClientIdentity(clientId, username, new InetSocketAddress(ip, 1000), "default",
        new PeerCertificate("cn-" + clientId, "CN=cn-" + clientId), false);
  }

  static final Action PUB = Action.PUBLISH;
  static final Action SUB = Action.SUBSCRIBE;

  @Test
  void emqxsOwnAclConfLoadsAndBehavesAsDocumented() throws Exception {
    AclFile acl = AclFile.load(Path.of(AclFileTest.class.getResource("/emqx-acl.conf").toURI()));
    ClientIdentity dash = client("d", "dashboard", "10.0.0.1");
    ClientIdentity user = client("c", "joe", "10.0.0.2");
    assertThat(acl.check(dash, SUB, "$SYS/brokers")).isEqualTo(AuthzResult.ALLOW);
    assertThat(acl.check(user, SUB, "$SYS/brokers")).isEqualTo(AuthzResult.DENY);
    assertThat(acl.check(user, SUB, "#")).as("{eq, \"#\"}").isEqualTo(AuthzResult.DENY);
    assertThat(acl.check(user, SUB, "+/#")).isEqualTo(AuthzResult.DENY);
    assertThat(acl.check(user, SUB, "a/#")).as("not eq: falls to the legacy allow")
        .isEqualTo(AuthzResult.ALLOW);
    assertThat(acl.check(user, PUB, "anything")).isEqualTo(AuthzResult.ALLOW);
  }

  @Test
  void theDocumentedExamplesAndFirstMatchWins() {
    AclFile acl = AclFile.of("""
        %% comments and <<"binaries">> too
        {allow, {username, {re, "^dashboard$"}}, subscribe, ["$SYS/#"]}.
        {allow, {ipaddr, "127.0.0.1"}, all, ["$SYS/#", "#"]}.
        {allow, {clientid, "sensor-1"}, publish, ["sensors/${clientid}/#", <<"x/%c">>]}.
        {allow, {'and', [{username, "jan"}, {ipaddrs, ["10.1.0.0/16", "10.2.0.0/16"]}]},
          publish, ["jan/#"]}.
        {allow, all, subscribe, ["users/${username}/#", "certs/${cert_common_name}"]}.
        {deny, {'or', [{clientid, {re, "^bad"}}, {user, "mallory"}]}, all, [all]}.
        {allow, all, publish, "open/#"}.
        {deny, all, publish, ["open/secret"]}.
        {deny, all}.
        """, "test.conf");
    assertThat(acl.check(client("x", "u", "127.0.0.1"), SUB, "#")).isEqualTo(AuthzResult.ALLOW);
    assertThat(acl.check(client("x", "u", "127.0.0.2"), SUB, "#")).isEqualTo(AuthzResult.DENY);
    assertThat(acl.check(client("sensor-1", "u", "1.1.1.1"), PUB, "sensors/sensor-1/t"))
        .isEqualTo(AuthzResult.ALLOW);
    assertThat(acl.check(client("sensor-1", "u", "1.1.1.1"), PUB, "x/sensor-1"))
        .isEqualTo(AuthzResult.ALLOW);
    assertThat(acl.check(client("sensor-2", "u", "1.1.1.1"), PUB, "sensors/sensor-1/t"))
        .isEqualTo(AuthzResult.DENY);
    assertThat(acl.check(client("j", "jan", "10.2.3.4"), PUB, "jan/x")).isEqualTo(AuthzResult.ALLOW);
    assertThat(acl.check(client("j", "jan", "10.3.3.4"), PUB, "jan/x")).isEqualTo(AuthzResult.DENY);
    assertThat(acl.check(client("k", "kim", "1.1.1.1"), SUB, "users/kim/+"))
        .isEqualTo(AuthzResult.ALLOW);
    assertThat(acl.check(client("k", "kim", "1.1.1.1"), SUB, "users/tom/+"))
        .isEqualTo(AuthzResult.DENY);
    assertThat(acl.check(client("k", "kim", "1.1.1.1"), SUB, "certs/cn-k"))
        .isEqualTo(AuthzResult.ALLOW);
    assertThat(acl.check(client("bad-1", "u", "1.1.1.1"), PUB, "open/x"))
        .isEqualTo(AuthzResult.DENY);
    assertThat(acl.check(client("k", "mallory", "1.1.1.1"), SUB, "$SYS/x"))
        .isEqualTo(AuthzResult.DENY);
    // First match wins: "open/#" allows before the later deny of open/secret.
    assertThat(acl.check(client("k", "kim", "1.1.1.1"), PUB, "open/secret"))
        .isEqualTo(AuthzResult.ALLOW);
    assertThat(acl.check(client("k", "kim", "1.1.1.1"), SUB, "open/x")).isEqualTo(AuthzResult.DENY);
  }

  @Test
  void withoutACatchAllNothingMatches() {
    AclFile acl = AclFile.of("{allow, all, publish, [\"a\"]}.", "t");
    assertThat(acl.check(client("c", "u", "1.1.1.1"), PUB, "b")).isEqualTo(AuthzResult.NOMATCH);
  }

  @Test
  void malformedRulesNameTheLine() {
    assertThatThrownBy(() -> AclFile.of("{allow, all}.\n{allow, all, publish, [\"a\"]}\n", "f"))
        .hasMessageContaining("f line 3").hasMessageContaining("'.'");
    assertThatThrownBy(() -> AclFile.of("\n{permit, all}.", "f"))
        .hasMessageContaining("f line 2").hasMessageContaining("allow or deny");
    assertThatThrownBy(() -> AclFile.of("{allow, {ipaddr, \"300.1.1.1\"}, all, [\"#\"]}.", "f"))
        .hasMessageContaining("300.1.1.1");
    assertThatThrownBy(() -> AclFile.of("{allow, all, {publish, [{qos, 1}]}, [\"#\"]}.", "f"))
        .hasMessageContaining("not supported");
    assertThatThrownBy(() -> AclFile.of("{allow, all, publish, [\"${zone}\"]}.", "f"))
        .hasMessageContaining("${zone}");
    assertThatThrownBy(() -> AclFile.of("{allow, {username, {re, \"(\"}}, all, [\"#\"]}.", "f"))
        .hasMessageContaining("regular expression");
  }
}
