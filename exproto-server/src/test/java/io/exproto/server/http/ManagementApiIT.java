package io.exproto.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The management HTTP API end to end: the built gateway jar in its own process, a gRPC handler
 * in this one, real TCP devices and a real HTTP client driving every path.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ManagementApiIT {
  static final String KEY = "ops";
  static final String SECRET = "s3cret-" + Long.toHexString(System.nanoTime());
  static final String BASE = "/api/v5/gateways/exproto";
  static final int CLIENTS = 250;

  @TempDir
  static Path dir;
  static ScriptedHandlerService handler;
  static GatewayProcess gateway;
  static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
      .build();
  static final ObjectMapper json = new ObjectMapper();
  static final List<LineDevice> devices = new ArrayList<>();
  static long beforeConnect;

  @BeforeAll
  static void start() throws Exception {
    handler = new ScriptedHandlerService();
    Path keys = dir.resolve("api_keys");
    Files.writeString(keys, "# key:secret\n" + KEY + ":" + SECRET + "\n");
    Path conf = dir.resolve("gateway.conf");
    Files.writeString(conf, "gateway.exproto {\n  idle_timeout = 30s\n}\n"
        + "http {\n  bind = \"127.0.0.1:0\"\n  api_key { bootstrap_file = \"" + keys + "\" }\n}\n");
    gateway = GatewayProcess.start(List.of("--config", conf.toString(), "--listen",
        "tcp://127.0.0.1:0", "--adapter", "127.0.0.1:0", "--handler", handler.url()), Map.of());
    handler.adapter(gateway.address("adapter"));
    beforeConnect = System.currentTimeMillis();
    for (int i = 0; i < CLIENTS; i++) {
      devices.add(new LineDevice(gateway.address("tcp"))
          .auth(String.format("dev-%03d", i), "user-" + (i % 5)));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    for (LineDevice d : devices) {
      d.close();
    }
    if (gateway != null) {
      gateway.close();
    }
    if (handler != null) {
      handler.close();
    }
  }

  static HttpResponse<String> send(String method, String path, String body, boolean withKey)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + gateway.address("http").getPort() + path)).timeout(Duration.ofSeconds(30))
        .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body));
    if (withKey) {
      b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString((KEY + ":"
          + SECRET).getBytes(StandardCharsets.UTF_8)));
    }
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    return http.send(b.build(), BodyHandlers.ofString());
  }

  static HttpResponse<String> call(String method, String path, String body) throws Exception {
    return send(method, path, body, true);
  }

  static JsonNode ok(HttpResponse<String> r, int status) throws Exception {
    assertThat(r.statusCode()).as(r.request().method() + " " + r.request().uri() + ": "
        + r.body()).isEqualTo(status);
    return r.body().isEmpty() ? null : json.readTree(r.body());
  }

  static void assertError(HttpResponse<String> r, int status, String code, String inMessage)
      throws Exception {
    JsonNode e = ok(r, status);
    assertThat(e.get("code").asText()).isEqualTo(code);
    assertThat(e.get("message").asText()).contains(inMessage);
  }

  static String q(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Test
  @Order(1)
  void wrongOrMissingKeyIs401AndOpenPathsStayOpen() throws Exception {
    assertError(send("GET", BASE + "/clients", null, false), 401, "BAD_API_KEY_OR_SECRET",
        "api_key");
    HttpRequest wrong = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + gateway.address("http").getPort() + BASE)).header("Authorization", "Basic "
        + Base64.getEncoder().encodeToString((KEY + ":nope").getBytes(StandardCharsets.UTF_8)))
        .build();
    assertError(http.send(wrong, BodyHandlers.ofString()), 401, "BAD_API_KEY_OR_SECRET", "");
    HttpResponse<String> status = send("GET", "/status", null, false);
    assertThat(status.statusCode()).isEqualTo(200);
    assertThat(status.body()).contains("is started", "exproto is running");
    HttpResponse<String> page = send("GET", "/", null, false);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("<title>ExProto gateway</title>");
  }

  @Test
  @Order(2)
  void pagesOf250ClientsWithEmqxMeta() throws Exception {
    Set<String> seen = new HashSet<>();
    for (int page = 1; page <= 3; page++) {
      JsonNode r = ok(call("GET", BASE + "/clients?limit=100&page=" + page, null), 200);
      JsonNode meta = r.get("meta");
      assertThat(meta.get("count").asInt()).isEqualTo(CLIENTS);
      assertThat(meta.get("page").asInt()).isEqualTo(page);
      assertThat(meta.get("limit").asInt()).isEqualTo(100);
      assertThat(meta.get("hasnext").asBoolean()).isEqualTo(page < 3);
      assertThat(r.get("data")).hasSize(page < 3 ? 100 : 50);
      r.get("data").forEach(c -> seen.add(c.get("clientid").asText()));
    }
    assertThat(seen).hasSize(CLIENTS);
    JsonNode c = ok(call("GET", BASE + "/clients/dev-042", null), 200);
    assertThat(c.get("clientid").asText()).isEqualTo("dev-042");
    assertThat(c.get("username").asText()).isEqualTo("user-2");
    assertThat(c.get("proto_name").asText()).isEqualTo("lines");
    assertThat(c.get("ip_address").asText()).isEqualTo("127.0.0.1");
    assertThat(c.get("connected").asBoolean()).isTrue();
    assertThat(c.get("recv_oct").asLong()).isPositive();
    assertThat(c.get("send_oct").asLong()).isEqualTo(3); // "ok\n"
    assertThat(c.get("listener").asText()).isEqualTo("exproto:tcp:tcp");
    assertThat(c.has("connected_at") && c.has("created_at") && c.has("mqueue_len")).isTrue();
    // The older singular path serves the same.
    assertThat(ok(call("GET", "/api/v5/gateway/exproto/clients/dev-042", null), 200)
        .get("clientid").asText()).isEqualTo("dev-042");
    assertError(call("GET", BASE + "/clients?limit=0", null), 400, "INVALID_PARAMETER", "limit");
  }

  @Test
  @Order(3)
  void filtersAsEmqxNamesThem() throws Exception {
    assertThat(count("clientid=dev-007")).isEqualTo(1);
    assertThat(count("like_clientid=dev-01")).isEqualTo(10);
    assertThat(count("username=user-3")).isEqualTo(50);
    assertThat(count("like_username=ser-1")).isEqualTo(50);
    assertThat(count("ip_address=127.0.0.1")).isEqualTo(CLIENTS);
    assertThat(count("ip_address=10.0.0.1")).isZero();
    assertThat(count("gte_connected_at=" + beforeConnect)).isEqualTo(CLIENTS);
    assertThat(count("lte_connected_at=" + (beforeConnect - 1))).isZero();
    assertThat(count("gte_connected_at=" + q(Instant.ofEpochMilli(beforeConnect).toString())))
        .isEqualTo(CLIENTS);
    assertThat(count("like_clientid=dev-0&username=user-0")).isEqualTo(20);
    assertError(call("GET", BASE + "/clients?ip_address=host.example", null), 400,
        "INVALID_PARAMETER", "ip_address");
    assertError(call("GET", BASE + "/clients?gte_connected_at=yesterday", null), 400,
        "INVALID_PARAMETER", "gte_connected_at");
  }

  private int count(String query) throws Exception {
    return ok(call("GET", BASE + "/clients?" + query, null), 200).get("meta").get("count")
        .asInt();
  }

  @Test
  @Order(4)
  void kickClosesTheDeviceWithTheReasonTheHandlerSees() throws Exception {
    assertThat(call("DELETE", BASE + "/clients/dev-000", null).statusCode()).isEqualTo(204);
    assertThat(handler.awaitClosed("dev-000", Duration.ofSeconds(10)))
        .isEqualTo("{shutdown,kicked}");
    assertThat(devices.get(0).awaitClosedByGateway()).isTrue();
    assertError(call("GET", BASE + "/clients/dev-000", null), 404, "RESOURCE_NOT_FOUND",
        "Client not found");
    assertError(call("DELETE", BASE + "/clients/dev-000", null), 404, "RESOURCE_NOT_FOUND",
        "Client not found");
    assertError(call("GET", BASE + "/clients/nobody/subscriptions", null), 404,
        "RESOURCE_NOT_FOUND", "Client not found");
  }

  @Test
  @Order(5)
  void subscriptionAddedOverHttpReceivesAPublish() throws Exception {
    JsonNode created = ok(call("POST", BASE + "/clients/dev-001/subscriptions",
        "{\"topic\": \"cmd/dev-001\", \"qos\": 1}"), 201);
    assertThat(created.get("topic").asText()).isEqualTo("cmd/dev-001");
    assertThat(created.get("qos").asInt()).isEqualTo(1);
    JsonNode list = ok(call("GET", BASE + "/clients/dev-001/subscriptions", null), 200);
    assertThat(list).hasSize(1);
    assertThat(list.get(0).get("topic").asText()).isEqualTo("cmd/dev-001");

    assertThat(devices.get(2).call("pub cmd/dev-001 reboot-now")).isEqualTo("ok");
    assertThat(devices.get(1).readLine()).isEqualTo("msg cmd/dev-001 reboot-now");

    assertThat(call("DELETE", BASE + "/clients/dev-001/subscriptions/" + q("cmd/dev-001"), null)
        .statusCode()).isEqualTo(204);
    assertError(call("DELETE", BASE + "/clients/dev-001/subscriptions/" + q("cmd/dev-001"),
        null), 404, "RESOURCE_NOT_FOUND", "not found");
    assertThat(ok(call("GET", BASE + "/clients/dev-001/subscriptions", null), 200)).isEmpty();
    assertError(call("POST", BASE + "/clients/dev-001/subscriptions", "{\"qos\": 1}"), 400,
        "BAD_REQUEST", "Miss topic property");
    assertError(call("POST", BASE + "/clients/dev-001/subscriptions",
        "{\"topic\": \"a/#/b\"}"), 400, "BAD_REQUEST", "a/#/b");
  }

  @Test
  @Order(6)
  void malformedJsonIs400NamingTheField() throws Exception {
    assertError(call("POST", BASE + "/clients/dev-001/subscriptions",
        "{\"topic\": \"t\", \"qos\": \"high\"}"), 400, "BAD_REQUEST", "qos");
    assertError(call("POST", BASE + "/clients/dev-001/subscriptions",
        "{\"topic\": 7}"), 400, "BAD_REQUEST", "topic");
    assertError(call("POST", BASE + "/clients/dev-001/subscriptions", "{\"topic\": \"t\","),
        400, "BAD_REQUEST", "malformed JSON at line 1 column");
    assertError(call("POST", BASE + "/listeners", "{\"type\": \"tcp\", \"name\": \"x\","
        + " \"bind\": \"127.0.0.1:0\", \"max_connections\": \"many\"}"), 400, "BAD_REQUEST",
        "max_connections");
    assertError(call("POST", BASE + "/listeners", "{\"type\": \"tcp\", \"name\": \"x\","
        + " \"bind\": \"127.0.0.1:0\", \"colour\": 1}"), 400, "BAD_REQUEST", "colour");
  }

  @Test
  @Order(7)
  void tenMegabyteBodyIsRefusedAndNothingElseHarmed() throws Exception {
    String huge = "{\"topic\": \"" + "x".repeat(10 * 1024 * 1024) + "\"}";
    HttpResponse<String> r = call("POST", BASE + "/clients/dev-001/subscriptions", huge);
    assertError(r, 413, "REQUEST_ENTITY_TOO_LARGE", "larger than");
    // A client that asks first (Expect: 100-continue) gets the same answer, its body unsent.
    // (A raw socket: java.net.http in JDK 17 waits for a 100 that never comes.)
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", gateway.address("http").getPort())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(("POST " + BASE + "/clients/dev-001/subscriptions HTTP/1.1\r\n"
          + "Host: 127.0.0.1\r\nAuthorization: Basic " + Base64.getEncoder().encodeToString(
              (KEY + ":" + SECRET).getBytes(StandardCharsets.UTF_8)) + "\r\n"
          + "Content-Type: application/json\r\nContent-Length: " + huge.length() + "\r\n"
          + "Expect: 100-continue\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(answer).startsWith("HTTP/1.1 413 ").contains("\"code\":\"REQUEST_ENTITY_TOO_LARGE\"");
    }
    assertThat(send("GET", "/status", null, false).statusCode()).isEqualTo(200);
    assertThat(count("like_clientid=dev")).isEqualTo(CLIENTS - 1);
    assertThat(devices.get(3).call("pub t/x still-here")).isEqualTo("ok");
  }

  @Test
  @Order(8)
  void listenerCreatedAcceptsADeviceAndIsDeletedWithItsConnections() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    JsonNode created = ok(call("POST", BASE + "/listeners", "{\"type\": \"tcp\", \"name\":"
        + " \"extra\", \"bind\": \"127.0.0.1:" + port + "\", \"max_connections\": 100}"), 201);
    assertThat(created.get("id").asText()).isEqualTo("exproto:tcp:extra");
    assertThat(created.get("bind").asText()).isEqualTo("127.0.0.1:" + port);
    assertError(call("POST", BASE + "/listeners", "{\"type\": \"tcp\", \"name\": \"extra\","
        + " \"bind\": \"127.0.0.1:0\"}"), 400, "BAD_REQUEST", "occupied");

    LineDevice d = new LineDevice(new InetSocketAddress("127.0.0.1", port)).auth("extra-1", "u");
    JsonNode l = ok(call("GET", BASE + "/listeners/exproto:tcp:extra", null), 200);
    assertThat(l.get("status").get("current_connections").asInt()).isEqualTo(1);
    assertThat(l.get("max_connections").asInt()).isEqualTo(100);
    JsonNode all = ok(call("GET", BASE + "/listeners", null), 200);
    assertThat(all).extracting(n -> n.get("id").asText())
        .containsExactly("exproto:tcp:tcp", "exproto:tcp:extra");

    JsonNode updated = ok(call("PUT", BASE + "/listeners/exproto:tcp:extra", "{\"bind\":"
        + " \"127.0.0.1:" + port + "\", \"max_connections\": 200}"), 200);
    assertThat(updated.get("max_connections").asInt()).isEqualTo(200);
    assertThat(handler.awaitClosed("extra-1", Duration.ofSeconds(10)))
        .isEqualTo("{shutdown,listener_stopped}");
    assertThat(d.awaitClosedByGateway()).isTrue();

    LineDevice d2 = new LineDevice(new InetSocketAddress("127.0.0.1", port)).auth("extra-2", "u");
    assertThat(call("DELETE", BASE + "/listeners/exproto:tcp:extra", null).statusCode())
        .isEqualTo(204);
    assertThat(handler.awaitClosed("extra-2", Duration.ofSeconds(10)))
        .isEqualTo("{shutdown,listener_stopped}");
    assertThat(d2.awaitClosedByGateway()).isTrue();
    assertError(call("GET", BASE + "/listeners/exproto:tcp:extra", null), 404,
        "RESOURCE_NOT_FOUND", "Listener not found");
    assertError(call("DELETE", BASE + "/listeners/exproto:tcp:extra", null), 404,
        "RESOURCE_NOT_FOUND", "Listener not found");
    assertError(call("GET", BASE + "/listeners/bogus", null), 404, "RESOURCE_NOT_FOUND",
        "exproto:TYPE:NAME");
    d.close();
    d2.close();
  }

  @Test
  @Order(9)
  void gatewayReadAndLiveUpdate() throws Exception {
    JsonNode g = ok(call("GET", BASE, null), 200);
    assertThat(g.get("name").asText()).isEqualTo("exproto");
    assertThat(g.get("status").asText()).isEqualTo("running");
    assertThat(g.get("idle_timeout").asText()).isEqualTo("30s");
    assertThat(g.get("current_connections").asInt()).isEqualTo(CLIENTS - 1);
    assertThat(g.get("handler").get("address").asText()).isEqualTo(handler.url());
    JsonNode updated = ok(call("PUT", BASE, "{\"idle_timeout\": \"45s\"}"), 200);
    assertThat(updated.get("idle_timeout").asText()).isEqualTo("45s");
    assertError(call("PUT", BASE, "{\"mountpoint\": \"other/\"}"), 400, "BAD_REQUEST",
        "mountpoint cannot change");
    assertError(call("PUT", BASE, "{\"idle_timeout\": \"soon\"}"), 400, "BAD_REQUEST",
        "idle_timeout");
    assertError(call("PUT", BASE, "{\"colour\": 1}"), 400, "BAD_REQUEST", "colour");
    JsonNode gateways = ok(call("GET", "/api/v5/gateways", null), 200);
    assertThat(gateways.get(0).get("name").asText()).isEqualTo("exproto");
  }

  @Test
  @Order(11)
  void prometheusTextAndUnknownPaths() throws Exception {
    for (String path : List.of("/metrics", "/api/v5/prometheus/stats")) {
      HttpResponse<String> r = send("GET", path, null, false);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
      assertThat(r.body()).contains("exproto_connections{listener=\"tcp\",type=\"tcp\"} "
          + (CLIENTS - 1) + ".0");
      assertThat(r.body()).contains("exproto_connections_closed_total{listener=\"tcp\","
          + "reason=\"kicked\",type=\"tcp\"} 1.0");
      assertThat(r.body()).contains("exproto_authentications_total{listener=\"tcp\","
          + "result=\"success\",type=\"tcp\"} " + CLIENTS + ".0");
    }
    assertError(call("GET", "/api/v5/nothing", null), 404, "RESOURCE_NOT_FOUND", "no such path");
    assertError(call("PATCH", BASE + "/clients", null), 405, "METHOD_NOT_ALLOWED", "GET");
    JsonNode m = ok(call("GET", "/api/v5/monitor_current", null), 200);
    assertThat(m.get("connections").asInt()).isEqualTo(CLIENTS - 1);
    assertThat(m.has("received_msg_rate")).isTrue();
  }

  /** Last: the devices here change the authentication counters the Prometheus test reads. */
  @Test
  @Order(12)
  void authenticatorAndUsersCreatedOverHttpDecideForNewDevices() throws Exception {
    String authn = BASE + "/authentication";
    assertThat(call("GET", authn, null).statusCode()).isEqualTo(204);
    assertError(call("GET", authn + "/users", null), 404, "RESOURCE_NOT_FOUND",
        "no authenticator");

    Path users = dir.resolve("users.sqlite");
    String config = "{\"mechanism\": \"password_based\", \"backend\": \"built_in_database\","
        + " \"user_id_type\": \"username\", \"database_file\": " + json.writeValueAsString(
            users.toString()) + ", \"password_hash_algorithm\": {\"name\": \"sha256\","
        + " \"salt_position\": \"suffix\"}}";
    JsonNode created = ok(call("POST", authn, config), 201);
    assertThat(created.get("id").asText()).isEqualTo("password_based:built_in_database");
    assertThat(created.get("database_file").asText()).isEqualTo(users.toString());
    assertThat(ok(call("GET", authn, null), 200)).isEqualTo(created);
    assertError(call("POST", authn, config), 409, "ALREADY_EXISTS", "already has");
    assertError(call("POST", authn + "/users", "{\"password\": \"p\"}"), 400, "BAD_REQUEST",
        "user_id");

    JsonNode alice = ok(call("POST", authn + "/users", "{\"user_id\": \"alice\","
        + " \"password\": \"wonderland\", \"is_superuser\": false}"), 201);
    assertThat(alice.toString()).isEqualTo("{\"user_id\":\"alice\",\"is_superuser\":false}");
    assertError(call("POST", authn + "/users", "{\"user_id\": \"alice\", \"password\": \"x\"}"),
        409, "ALREADY_EXISTS", "alice");
    ok(call("POST", authn + "/users", "{\"user_id\": \"bob\", \"password\": \"b\"}"), 201);

    try (LineDevice good = new LineDevice(gateway.address("tcp"));
        LineDevice bad = new LineDevice(gateway.address("tcp"));
        LineDevice unknown = new LineDevice(gateway.address("tcp"))) {
      assertThat(good.call("auth alice-1 alice wonderland")).isEqualTo("ok");
      assertThat(bad.call("auth alice-2 alice wrong")).startsWith("err PERMISSION_DENY");
      assertThat(unknown.call("auth carol-1 carol any")).startsWith("err PERMISSION_DENY");
    }

    JsonNode page = ok(call("GET", authn + "/users?like_user_id=li&page=1&limit=10", null), 200);
    assertThat(page.get("data").toString())
        .isEqualTo("[{\"user_id\":\"alice\",\"is_superuser\":false}]");
    assertThat(page.get("meta").get("count").asInt()).isEqualTo(1);
    assertThat(page.get("meta").get("hasnext").asBoolean()).isFalse();
    JsonNode all = ok(call("GET", authn + "/users?limit=1", null), 200);
    assertThat(all.get("meta").get("count").asInt()).isEqualTo(2);
    assertThat(all.get("meta").get("hasnext").asBoolean()).isTrue();
    assertThat(ok(call("PUT", authn + "/users/alice", "{\"is_superuser\": true}"), 200)
        .get("is_superuser").asBoolean()).isTrue();
    assertThat(ok(call("GET", authn + "/users/alice", null), 200).get("is_superuser")
        .asBoolean()).isTrue();
    assertThat(call("DELETE", authn + "/users/alice", null).statusCode()).isEqualTo(204);
    assertError(call("GET", authn + "/users/alice", null), 404, "RESOURCE_NOT_FOUND", "alice");
    assertError(call("DELETE", authn + "/users/alice", null), 404, "RESOURCE_NOT_FOUND",
        "alice");

    String listener = BASE + "/listeners/exproto:tcp:tcp/authentication";
    assertError(call("GET", listener, null), 501, "NOT_IMPLEMENTED",
        "per-listener authentication is not supported");
    assertError(call("POST", listener + "/users", "{\"user_id\": \"u\", \"password\": \"p\"}"),
        501, "NOT_IMPLEMENTED", "enable_authn");
    assertError(call("GET", BASE + "/listeners/exproto:tcp:nope/authentication", null), 404,
        "RESOURCE_NOT_FOUND", "Listener not found");

    // Deleted: everyone is allowed again.
    assertThat(call("DELETE", authn, null).statusCode()).isEqualTo(204);
    assertThat(call("GET", authn, null).statusCode()).isEqualTo(204);
    assertError(call("DELETE", authn, null), 404, "RESOURCE_NOT_FOUND", "no authenticator");
    try (LineDevice anyone = new LineDevice(gateway.address("tcp"))) {
      assertThat(anyone.call("auth carol-2 carol any")).isEqualTo("ok");
    }
  }
}
