package io.exproto.authn;

import static io.exproto.authn.BuiltInDatabaseTest.check;
import static io.exproto.authn.BuiltInDatabaseTest.creds;
import static org.assertj.core.api.Assertions.assertThat;

import io.exproto.auth.Authorizer.Action;
import io.exproto.auth.ClientIdentity;
import io.exproto.authn.ConfigReader;
import io.exproto.authz.AuthzResult;
import io.exproto.authz.PostgresqlAuthorizationSource;
import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The postgresql authenticator and source against a real PostgreSQL cluster of the test's own. */
class PostgresqlTest {
  static PostgresCluster pg;

  @BeforeAll
  static void startCluster() throws Exception {
    pg = PostgresCluster.start();
    try (Connection c = pg.connect("mqtt"); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE mqtt_user (id serial PRIMARY KEY, username text UNIQUE,"
          + " password_hash text, salt text, is_superuser boolean)");
      // Hashes made by PostgreSQL's own sha256(), not by the code under test.
      s.execute("INSERT INTO mqtt_user (username, password_hash, salt, is_superuser) VALUES"
          + " ('alice', encode(sha256(('s4lt' || 'secret')::bytea), 'hex'), 's4lt', false),"
          + " ('root', encode(sha256(('xx' || 'toor')::bytea), 'hex'), 'xx', true)");
      s.execute("CREATE TABLE mqtt_acl (id serial PRIMARY KEY, username text, permission text,"
          + " action text, topic text)");
      s.execute("INSERT INTO mqtt_acl (username, permission, action, topic) VALUES"
          + " ('alice', 'deny', 'publish', 'devices/${clientid}/secret'),"
          + " ('alice', 'allow', 'all', 'devices/${clientid}/#'),"
          + " ('alice', 'allow', 'subscribe', 'eq broadcast/#')");
    }
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (pg != null) {
      pg.close();
    }
  }

  Map<String, Object> cfg(String query) {
    Map<String, Object> m = new HashMap<>(Map.of("mechanism", "password_based",
        "backend", "postgresql", "server", "127.0.0.1:" + pg.port, "database", "mqtt",
        "username", "exproto", "password", "", "pool_size", 2, "query", query));
    m.put("password_hash_algorithm", Map.of("name", "sha256", "salt_position", "prefix"));
    return m;
  }

  @Test
  void usersAreCheckedAndInjectionFindsNothing() throws Exception {
    try (PostgresqlAuthenticator a = PostgresqlAuthenticator.fromConfig(new ConfigReader(
        cfg("SELECT password_hash, salt, is_superuser FROM mqtt_user WHERE username ="
            + " ${username} LIMIT 1"), "authentication"))) {
      assertThat(check(a, creds("c", "alice", "secret")).kind())
          .isEqualTo(AuthnOutcome.Kind.ALLOW);
      assertThat(check(a, creds("c", "alice", "wrong")).kind()).isEqualTo(AuthnOutcome.Kind.DENY);
      assertThat(check(a, creds("c", "nobody", "x")).kind()).isEqualTo(AuthnOutcome.Kind.IGNORE);
      assertThat(check(a, creds("c", "root", "toor")).superuser()).isTrue();
      for (String evil : new String[] {"alice' OR '1'='1", "' OR 1=1 --",
          "alice'; DROP TABLE mqtt_user; --"}) {
        assertThat(check(a, creds("c", evil, "secret")).kind()).as(evil)
            .isEqualTo(AuthnOutcome.Kind.IGNORE);
      }
      assertThat(check(a, creds("c", "alice", "secret")).kind()).as("table still there")
          .isEqualTo(AuthnOutcome.Kind.ALLOW);
    }
  }

  @Test
  void aBadQueryOrAnUnreachableServerIsIgnore() throws Exception {
    try (PostgresqlAuthenticator a = PostgresqlAuthenticator.fromConfig(new ConfigReader(
        cfg("SELECT password_hash FROM no_such_table WHERE username = ${username}"), "a"))) {
      assertThat(check(a, creds("c", "alice", "secret")).kind())
          .isEqualTo(AuthnOutcome.Kind.IGNORE);
    }
    Map<String, Object> down = cfg("SELECT 1");
    down.put("server", "127.0.0.1:1");
    down.put("connect_timeout", "1s");
    try (PostgresqlAuthenticator a = PostgresqlAuthenticator.fromConfig(new ConfigReader(down,
        "a"))) {
      assertThat(a.authenticate(creds("c", "alice", "secret")).toCompletableFuture()
          .get(20, TimeUnit.SECONDS).kind()).isEqualTo(AuthnOutcome.Kind.IGNORE);
    }
  }

  @Test
  void aclRowsDecideInOrder() throws Exception {
    Map<String, Object> m = cfg("SELECT permission, action, topic FROM mqtt_acl WHERE username ="
        + " ${username} ORDER BY id");
    m.remove("mechanism");
    m.remove("backend");
    m.remove("password_hash_algorithm");
    m.put("type", "postgresql");
    try (PostgresqlAuthorizationSource s = PostgresqlAuthorizationSource.fromConfig(
        new ConfigReader(m, "authorization.sources[0]"))) {
      ClientIdentity alice = new ClientIdentity("c1", "alice",
          new InetSocketAddress("127.0.0.1", 1), "default");
      assertThat(decide(s, alice, Action.PUBLISH, "devices/c1/temp")).isEqualTo(AuthzResult.ALLOW);
      assertThat(decide(s, alice, Action.PUBLISH, "devices/c1/secret"))
          .isEqualTo(AuthzResult.DENY);
      assertThat(decide(s, alice, Action.PUBLISH, "devices/c2/temp"))
          .isEqualTo(AuthzResult.NOMATCH);
      assertThat(decide(s, alice, Action.SUBSCRIBE, "broadcast/#")).isEqualTo(AuthzResult.ALLOW);
      assertThat(decide(s, alice, Action.SUBSCRIBE, "broadcast/x"))
          .isEqualTo(AuthzResult.NOMATCH);
      ClientIdentity evil = new ClientIdentity("c1", "x' OR '1'='1",
          new InetSocketAddress("127.0.0.1", 1), "default");
      assertThat(decide(s, evil, Action.PUBLISH, "devices/c1/temp"))
          .isEqualTo(AuthzResult.NOMATCH);
    }
  }

  static AuthzResult decide(PostgresqlAuthorizationSource s, ClientIdentity c, Action a,
      String t) throws Exception {
    return s.authorize(c, a, t).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
