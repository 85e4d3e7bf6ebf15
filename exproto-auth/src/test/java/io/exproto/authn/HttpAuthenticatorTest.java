package io.exproto.authn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.exproto.auth.Credentials;
import io.exproto.authn.ConfigReader;
import io.exproto.authn.internal.Json;
import io.exproto.handler.PeerCertificate;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The http authenticator against a real HTTP server (the JDK's) playing the user's service. */
class HttpAuthenticatorTest {
  HttpServer server;
  volatile Consumer<HttpExchange> behaviour;
  final List<String> bodies = new CopyOnWriteArrayList<>();
  final List<String> queries = new CopyOnWriteArrayList<>();
  final CountDownLatch release = new CountDownLatch(1);

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext("/auth", ex -> {
      bodies.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      queries.add(String.valueOf(ex.getRequestURI().getRawQuery()));
      behaviour.accept(ex);
    });
    server.start();
  }

  @AfterEach
  void stop() {
    release.countDown();
    server.stop(0);
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/auth";
  }

  static void reply(HttpExchange ex, int status, String contentType, String body) {
    try {
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      if (contentType != null) {
        ex.getResponseHeaders().add("content-type", contentType);
      }
      ex.sendResponseHeaders(status, status == 204 ? -1 : b.length);
      if (status != 204) {
        ex.getResponseBody().write(b);
      }
      ex.close();
    } catch (IOException e) {
      throw new RuntimeException(e);
    }
  }

  HttpAuthenticator authenticator(Map<String, Object> extra) {
    Map<String, Object> cfg = new HashMap<>(Map.of("mechanism", "password_based",
        "backend", "http", "url", url(), "request_timeout", "1s",
        "body", Map.of("username", "${username}", "password", "${password}",
            "cn", "${cert_common_name}", "dn", "${cert_subject}", "ip", "${peerhost}")));
    cfg.putAll(extra);
    return HttpAuthenticator.fromConfig(new ConfigReader(cfg, "authentication"));
  }

  static Credentials creds(String password) {
    return new Credentials("c1", "alice", password, new InetSocketAddress("127.0.0.1", 4000),
        new PeerCertificate("device-7", "CN=device-7,O=Acme"), "ssl", "exproto");
  }

  static AuthnOutcome check(AuthenticationProvider p, Credentials c) throws Exception {
    return p.authenticate(c).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void statusAndResultMapToAllowDenyIgnore() throws Exception {
    try (HttpAuthenticator a = authenticator(Map.of())) {
      behaviour = ex -> reply(ex, 204, null, "");
      assertThat(check(a, creds("pw")).kind()).isEqualTo(AuthnOutcome.Kind.ALLOW);
      behaviour = ex -> reply(ex, 200, "application/json", "{\"result\":\"allow\"}");
      assertThat(check(a, creds("pw")).kind()).isEqualTo(AuthnOutcome.Kind.ALLOW);
      behaviour = ex -> reply(ex, 200, "application/json", "{\"result\":\"deny\"}");
      assertThat(check(a, creds("pw")).kind()).isEqualTo(AuthnOutcome.Kind.DENY);
      behaviour = ex -> reply(ex, 200, "application/json", "{\"result\":\"ignore\"}");
      assertThat(check(a, creds("pw")).kind()).isEqualTo(AuthnOutcome.Kind.IGNORE);
      behaviour = ex -> reply(ex, 200, "application/x-www-form-urlencoded",
          "result=allow&is_superuser=true");
      assertThat(check(a, creds("pw")).superuser()).isTrue();
      for (int status : new int[] {400, 401, 403, 404, 500, 503}) {
        behaviour = ex -> reply(ex, status, "application/json", "{\"result\":\"allow\"}");
        assertThat(check(a, creds("pw")).kind()).as("status %s", status)
            .isEqualTo(AuthnOutcome.Kind.IGNORE);
      }
      for (String garbage : new String[] {"not json", "[1,2]", "{\"result\":\"maybe\"}",
          "{\"result\":\"allow\",\"expire_at\":\"soon\"}", ""}) {
        behaviour = ex -> reply(ex, 200, "application/json", garbage);
        assertThat(check(a, creds("pw")).kind()).as("body %s", garbage)
            .isEqualTo(AuthnOutcome.Kind.IGNORE);
      }
    }
  }

  @Test
  void superuserAndExpireAtComeFromTheBody() throws Exception {
    long exp = Instant.now().getEpochSecond() + 3600;
    try (HttpAuthenticator a = authenticator(Map.of())) {
      behaviour = ex -> reply(ex, 200, "application/json",
          "{\"result\":\"allow\",\"is_superuser\":true,\"expire_at\":" + exp + "}");
      AuthnOutcome o = check(a, creds("pw"));
      assertThat(o.superuser()).isTrue();
      assertThat(o.expireAt()).isEqualTo(Instant.ofEpochSecond(exp));
      behaviour = ex -> reply(ex, 200, "application/json",
          "{\"result\":\"allow\",\"expire_at\":1000}");
      assertThat(check(a, creds("pw")).kind()).as("expire_at in the past")
          .isEqualTo(AuthnOutcome.Kind.IGNORE);
    }
  }

  @Test
  void placeholdersIncludingTheCertificateAreRendered() throws Exception {
    try (HttpAuthenticator a = authenticator(Map.of())) {
      behaviour = ex -> reply(ex, 204, null, "");
      check(a, creds("s3cr\"et"));
      Map<String, Object> body = Json.object(bodies.get(0));
      assertThat(body).containsEntry("username", "alice").containsEntry("password", "s3cr\"et")
          .containsEntry("cn", "device-7").containsEntry("dn", "CN=device-7,O=Acme")
          .containsEntry("ip", "127.0.0.1");
    }
    try (HttpAuthenticator a = authenticator(Map.of("method", "get",
        "url", url() + "?cid=${clientid}&u=${username}",
        "body", Map.of("p", "${password}")))) {
      behaviour = ex -> reply(ex, 204, null, "");
      check(a, creds("a b&c=d"));
      assertThat(queries.get(queries.size() - 1)).isEqualTo("cid=c1&u=alice&p=a%20b%26c%3Dd");
    }
  }

  @Test
  void aSlowServiceTimesOutAsIgnoreAndNeverLogsThePassword() throws Exception {
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try (HttpAuthenticator a = authenticator(Map.of("request_timeout", "300ms"))) {
      behaviour = ex -> {
        try {
          release.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        reply(ex, 204, null, "");
      };
      long t0 = System.nanoTime();
      assertThat(check(a, creds("hunter2-secret")).kind()).isEqualTo(AuthnOutcome.Kind.IGNORE);
      assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(5));
      behaviour = ex -> reply(ex, 500, null, "hunter2-secret");
      assertThat(check(a, creds("hunter2-secret")).kind()).isEqualTo(AuthnOutcome.Kind.IGNORE);
    } finally {
      System.setErr(err);
    }
    String log = captured.toString(StandardCharsets.UTF_8);
    assertThat(log).contains("timed out").contains("status 500").doesNotContain("hunter2");
  }

  @Test
  void anUnreachableServiceIsIgnore() throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1,
        java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    try (HttpAuthenticator a = authenticator(Map.of("url", "http://127.0.0.1:" + port + "/x"))) {
      assertThat(check(a, creds("pw")).kind()).isEqualTo(AuthnOutcome.Kind.IGNORE);
    }
  }

  @Test
  void badSettingsAreRefusedByPath() {
    assertThatThrownBy(() -> authenticator(Map.of("url", "ftp://x/")))
        .hasMessageStartingWith("authentication.url");
    assertThatThrownBy(() -> authenticator(Map.of("method", "put")))
        .hasMessageStartingWith("authentication.method");
    assertThatThrownBy(() -> authenticator(Map.of("request_timeout", "soon")))
        .hasMessageStartingWith("authentication.request_timeout");
    assertThatThrownBy(() -> authenticator(Map.of("body", Map.of("x", "${nope}"))))
        .hasMessageStartingWith("authentication.body.x").hasMessageContaining("${nope}");
    assertThatThrownBy(() -> authenticator(Map.of("colour", "red")))
        .hasMessageStartingWith("authentication.colour").hasMessageContaining("unknown");
  }
}
