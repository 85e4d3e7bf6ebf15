package io.exproto.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.exproto.gateway.Gateway;
import io.exproto.management.AuthenticationAdmin;
import io.exproto.management.ClientDetails;
import io.exproto.management.ClientNotFoundException;
import io.exproto.management.ClientQuery;
import io.exproto.management.ListenerView;
import io.exproto.management.Page;
import io.exproto.management.SubscriptionView;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * EMQX 5's gateway management API for the {@code exproto} gateway, over {@link ServerAdmin}:
 * the gateway, its clients, their subscriptions, listeners, and authentication. Every path is
 * served under {@code /api/v5/gateways/exproto} and the older singular
 * {@code /api/v5/gateway/exproto}. JSON field names and error codes are EMQX's.
 */
final class ManagementApi {
  private static final Logger log = LoggerFactory.getLogger(ManagementApi.class);
  static final String[] BASES = {"/api/v5/gateways/exproto", "/api/v5/gateway/exproto"};
  private static final DateTimeFormatter RFC3339 =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSxxx");
  private static final int DEFAULT_LIMIT = 100;

  /** A task that may block, for the management thread. */
  @FunctionalInterface
  interface Blocking<T> {
    T run() throws Exception;
  }

  /** Runs blocking tasks off the event loops. */
  @FunctionalInterface
  interface BlockingRunner {
    <T> CompletionStage<T> run(Blocking<T> task);
  }

  private final ServerAdmin admin;
  private final Gateway gw;
  private final ObjectMapper json;
  private final BlockingRunner blocking;
  private final long startedAt = System.currentTimeMillis();
  private final RateSampler rates;

  ManagementApi(ServerAdmin admin, ObjectMapper json, BlockingRunner blocking) {
    this.admin = admin;
    this.gw = admin.gateway();
    this.json = json;
    this.blocking = blocking;
    this.rates = new RateSampler(admin);
  }

  void register(Router r) {
    r.add("GET", "/api/v5/gateways", q -> done(json(200, List.of(gatewaySummary()))));
    r.add("GET", "/api/v5/monitor_current", q -> done(json(200, monitorCurrent())));
    for (String b : BASES) {
      r.add("GET", b, q -> done(json(200, gateway())));
      r.add("PUT", b, this::updateGateway);
      r.add("GET", b + "/clients", this::listClients);
      r.add("GET", b + "/clients/{clientid}", this::getClient);
      r.add("DELETE", b + "/clients/{clientid}", this::kick);
      r.add("GET", b + "/clients/{clientid}/subscriptions", this::listSubscriptions);
      r.add("POST", b + "/clients/{clientid}/subscriptions", this::subscribe);
      r.add("DELETE", b + "/clients/{clientid}/subscriptions/{topic}", this::unsubscribe);
      r.add("GET", b + "/listeners", q -> done(json(200, listeners())));
      r.add("POST", b + "/listeners", this::createListener);
      r.add("GET", b + "/listeners/{id}", this::getListener);
      r.add("PUT", b + "/listeners/{id}", this::updateListener);
      r.add("DELETE", b + "/listeners/{id}", this::deleteListener);
      authentication(r, b + "/authentication", q -> null);
      authentication(r, b + "/listeners/{id}/authentication", this::listenerIdParam);
    }
  }

  // ---------------------------------------------------------------- gateway

  private Map<String, Object> gatewaySummary() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", "exproto");
    m.put("status", gw.isTerminated() ? "stopped" : "running");
    m.put("created_at", rfc3339(startedAt));
    m.put("started_at", rfc3339(startedAt));
    m.put("current_connections", gw.stats().connections());
    m.put("max_connections", maxConnections());
    m.put("listeners", listeners());
    return m;
  }

  private Map<String, Object> gateway() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", "exproto");
    m.put("enable", true);
    m.putAll(admin.gatewayConfig());
    m.putAll(gatewaySummary());
    return m;
  }

  private long maxConnections() {
    long max = 0;
    for (ListenerView l : gw.listeners()) {
      Map<String, Object> c = admin.listenerConfig(l.name());
      Object v = c == null ? null : c.get("max_connections");
      max += v instanceof Number n ? n.longValue() : 0;
    }
    return max;
  }

  private CompletionStage<Response> updateGateway(Request q) {
    Map<String, Object> body = body(q);
    admin.updateGateway(body);
    return done(json(200, gateway()));
  }

  private Map<String, Object> monitorCurrent() {
    Map<String, Object> m = new LinkedHashMap<>();
    var stats = gw.stats();
    m.put("connections", stats.connections());
    m.put("live_connections", stats.clients());
    m.putAll(rates.sample());
    return m;
  }

  // ---------------------------------------------------------------- clients

  private CompletionStage<Response> listClients(Request q) {
    int page = intQuery(q, "page", 1, 1, Integer.MAX_VALUE);
    int limit = intQuery(q, "limit", DEFAULT_LIMIT, 1, 10_000);
    ClientQuery.Builder f = ClientQuery.builder();
    if (q.query("clientid") != null) {
      f.clientId(q.query("clientid"));
    }
    if (q.query("username") != null) {
      f.username(q.query("username"));
    }
    if (q.query("ip_address") != null) {
      f.ipAddress(ipAddress(q.query("ip_address")));
    }
    if (q.query("like_clientid") != null) {
      f.likeClientId(q.query("like_clientid"));
    }
    if (q.query("like_username") != null) {
      f.likeUsername(q.query("like_username"));
    }
    if (q.query("gte_connected_at") != null) {
      f.connectedAtOrAfter(timestamp("gte_connected_at", q.query("gte_connected_at")));
    }
    if (q.query("lte_connected_at") != null) {
      f.connectedAtOrBefore(timestamp("lte_connected_at", q.query("lte_connected_at")));
    }
    return gw.listClients(f.build(), page, limit).thenApply(p -> json(200, page(p,
        this::client)));
  }

  private <T> Map<String, Object> page(Page<T> p, Function<T, Object> item) {
    List<Object> data = new ArrayList<>(p.data().size());
    for (T t : p.data()) {
      data.add(item.apply(t));
    }
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("page", p.page());
    meta.put("limit", p.limit());
    meta.put("count", p.count());
    meta.put("hasnext", p.hasNext());
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("data", data);
    m.put("meta", meta);
    return m;
  }

  /** EMQX's gateway client object (format_channel_info), plus {@code conn} and the listener. */
  private Map<String, Object> client(ClientDetails c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("node", gw.nodeName());
    m.put("clientid", c.clientId());
    m.put("username", c.username());
    m.put("mountpoint", gw.mountpoint().replace("${clientid}", c.clientId())
        .replace("${username}", c.username()));
    m.put("proto_name", c.protoName());
    m.put("proto_ver", c.protoVer());
    m.put("ip_address", c.peer() == null || c.peer().getAddress() == null ? null
        : c.peer().getAddress().getHostAddress());
    m.put("port", c.peer() == null ? null : c.peer().getPort());
    m.put("is_bridge", false);
    m.put("connected_at", rfc3339(c.connectedAtMillis()));
    m.put("disconnected_at", null);
    m.put("connected", true);
    m.put("keepalive", c.keepaliveSeconds());
    m.put("clean_start", true);
    m.put("expiry_interval", 0);
    m.put("created_at", rfc3339(c.createdAtMillis()));
    m.put("subscriptions_cnt", c.subscriptions());
    m.put("subscriptions_max", "infinity");
    m.put("inflight_cnt", 0);
    m.put("inflight_max", "infinity");
    m.put("mqueue_len", c.queuedDeliveries());
    m.put("mqueue_max", c.maxQueuedDeliveries());
    m.put("mqueue_dropped", c.droppedDeliveries());
    m.put("awaiting_rel_cnt", 0);
    m.put("awaiting_rel_max", "infinity");
    m.put("recv_oct", c.bytesReceived());
    m.put("recv_cnt", c.readsReceived());
    m.put("recv_pkt", c.readsReceived());
    m.put("recv_msg", c.messagesPublished());
    m.put("send_oct", c.bytesSent());
    m.put("send_cnt", c.writesSent());
    m.put("send_pkt", c.writesSent());
    m.put("send_msg", c.messagesDelivered());
    m.put("mailbox_len", 0);
    m.put("heap_size", 0);
    m.put("reductions", 0);
    // This gateway's own.
    m.put("conn", c.conn());
    m.put("listener", listenerId(c.listener()));
    return m;
  }

  private String listenerId(String name) {
    for (ListenerView l : gw.listeners()) {
      if (l.name().equals(name)) {
        return l.id();
      }
    }
    return "exproto:unknown:" + name;
  }

  private CompletionStage<Response> getClient(Request q) {
    String id = q.param("clientid");
    return gw.client(id).thenApply(c -> c.map(d -> json(200, client(d)))
        .orElseThrow(() -> ApiException.notFound("Client not found")));
  }

  private CompletionStage<Response> kick(Request q) {
    if (!gw.kick(q.param("clientid"))) {
      throw ApiException.notFound("Client not found");
    }
    return done(Response.noContent());
  }

  private CompletionStage<Response> listSubscriptions(Request q) {
    return gw.subscriptions(q.param("clientid")).thenApply(subs -> {
      List<Object> out = new ArrayList<>();
      for (SubscriptionView s : subs) {
        out.add(subscription(s, 0));
      }
      return json(200, out);
    });
  }

  private static Map<String, Object> subscription(SubscriptionView s, int rh) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("topic", s.topic());
    m.put("qos", s.qos());
    m.put("nl", 0);
    m.put("rap", 0);
    m.put("rh", rh);
    return m;
  }

  private CompletionStage<Response> subscribe(Request q) {
    Map<String, Object> body = body(q);
    Object topic = body.get("topic");
    if (topic == null) {
      throw ApiException.badRequest("Miss topic property");
    }
    if (!(topic instanceof String t) || t.isEmpty()) {
      throw ApiException.badRequest("topic: must be a non-empty string, was " + jsonText(topic));
    }
    int qos = intField(body, "qos", 0, 0, 2);
    for (String unsupported : List.of("nl", "rap")) {
      if (body.containsKey(unsupported)) {
        int v = intField(body, unsupported, 0, 0, 1);
        if (v != 0) {
          throw ApiException.badRequest(unsupported + ": only 0 is supported by this gateway");
        }
      }
    }
    return gw.subscribe(q.param("clientid"), t, qos)
        .thenApply(s -> json(201, subscription(s, 1)));
  }

  private CompletionStage<Response> unsubscribe(Request q) {
    return gw.unsubscribe(q.param("clientid"), q.param("topic")).thenApply(removed -> {
      if (!removed) {
        throw ApiException.notFound("Resource not found");
      }
      return Response.noContent();
    });
  }

  // ---------------------------------------------------------------- listeners

  private List<Object> listeners() {
    List<Object> out = new ArrayList<>();
    for (ListenerView l : gw.listeners()) {
      out.add(listener(l));
    }
    return out;
  }

  private Map<String, Object> listener(ListenerView l) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", l.id());
    m.put("type", l.kind());
    m.put("name", l.name());
    m.put("enable", true);
    Map<String, Object> conf = admin.listenerConfig(l.name());
    if (conf != null) {
      conf.forEach(m::putIfAbsent);
    }
    if (l.address() != null) {
      // The bound address: with port 0 in the configuration, the real port.
      String host = m.get("bind") instanceof String s && s.lastIndexOf(':') > 0
          ? s.substring(0, s.lastIndexOf(':')) : l.address().getHostString();
      m.put("bind", host + ":" + l.address().getPort());
    }
    m.put("running", true);
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("running", true);
    status.put("current_connections", l.connections());
    status.put("max_connections", m.getOrDefault("max_connections", 1024000));
    m.put("status", status);
    Map<String, Object> node = new LinkedHashMap<>();
    node.put("node", gw.nodeName());
    node.put("status", status);
    m.put("node_status", List.of(node));
    return m;
  }

  private record ListenerId(String type, String name) {}

  private ListenerId parseListenerId(String id) {
    String[] p = id.split(":", -1);
    if (p.length != 3 || !p[0].equals("exproto") || p[1].isEmpty() || p[2].isEmpty()) {
      throw ApiException.notFound("Listener not found: " + id + " (ids are exproto:TYPE:NAME,"
          + " e.g. exproto:tcp:default)");
    }
    return new ListenerId(p[1], p[2]);
  }

  private ListenerView findListener(String id) {
    ListenerId lid = parseListenerId(id);
    for (ListenerView l : gw.listeners()) {
      if (l.name().equals(lid.name()) && l.kind().equals(lid.type())) {
        return l;
      }
    }
    throw ApiException.notFound("Listener not found: " + id);
  }

  private CompletionStage<Response> getListener(Request q) {
    return done(json(200, listener(findListener(q.param("id")))));
  }

  private CompletionStage<Response> createListener(Request q) {
    String text = new String(q.body(), StandardCharsets.UTF_8);
    Map<String, Object> body = body(q);
    String type = body.get("type") instanceof String s ? s : null;
    String name = body.get("name") instanceof String s ? s : null;
    if (type == null) {
      throw ApiException.badRequest("type is required");
    }
    if (name == null) {
      throw ApiException.badRequest("name is required");
    }
    for (ListenerView l : gw.listeners()) {
      if (l.name().equals(name)) {
        throw ApiException.badRequest("The listener name is occupied: " + name);
      }
    }
    return blocking.run(() -> {
      admin.createListener(text);
      return json(201, listener(findListener("exproto:" + type + ":" + name)));
    });
  }

  private CompletionStage<Response> updateListener(Request q) {
    ListenerView l = findListener(q.param("id"));
    String text = new String(q.body(), StandardCharsets.UTF_8);
    body(q); // validates the JSON first
    return blocking.run(() -> {
      admin.updateListener(l.kind(), l.name(), text);
      return json(200, listener(findListener(q.param("id"))));
    });
  }

  private CompletionStage<Response> deleteListener(Request q) {
    ListenerView l = findListener(q.param("id"));
    return blocking.run(() -> {
      if (!admin.deleteListener(l.name())) {
        throw ApiException.notFound("Listener not found: " + q.param("id"));
      }
      return Response.noContent();
    });
  }

  // ---------------------------------------------------------------- authentication

  private String listenerIdParam(Request q) {
    return findListener(q.param("id")).id();
  }

  private void authentication(Router r, String base, Function<Request, String> listener) {
    AuthenticationAdmin a = gw.authenticationAdmin();
    r.add("GET", base, q -> a.authenticator(listener.apply(q)).thenApply(c -> c.isPresent()
        ? json(200, c.get()) : Response.noContent()));
    r.add("POST", base, q -> a.createAuthenticator(listener.apply(q), body(q))
        .thenApply(c -> json(201, c)));
    r.add("PUT", base, q -> a.updateAuthenticator(listener.apply(q), body(q))
        .thenApply(c -> json(200, c)));
    r.add("DELETE", base, q -> a.deleteAuthenticator(listener.apply(q))
        .thenApply(v -> Response.noContent()));
    r.add("GET", base + "/users", q -> a.users(listener.apply(q), q.query("like_user_id"),
        intQuery(q, "page", 1, 1, Integer.MAX_VALUE), intQuery(q, "limit", DEFAULT_LIMIT, 1,
            10_000)).thenApply(p -> json(200, page(p, u -> u))));
    r.add("POST", base + "/users", q -> a.createUser(listener.apply(q), body(q))
        .thenApply(u -> json(201, u)));
    r.add("GET", base + "/users/{uid}", q -> a.user(listener.apply(q), q.param("uid"))
        .thenApply(u -> json(200, u)));
    r.add("PUT", base + "/users/{uid}", q -> a.updateUser(listener.apply(q), q.param("uid"),
        body(q)).thenApply(u -> json(200, u)));
    r.add("DELETE", base + "/users/{uid}", q -> a.deleteUser(listener.apply(q), q.param("uid"))
        .thenApply(v -> Response.noContent()));
  }

  // ---------------------------------------------------------------- helpers

  private static CompletionStage<Response> done(Response r) {
    return CompletableFuture.completedStage(r);
  }

  Response json(int status, Object body) {
    return json(json, status, body);
  }

  static Response json(ObjectMapper json, int status, Object body) {
    try {
      return new Response(status, Response.JSON, json.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
    }
  }

  /** EMQX's error body for {@code t}, with the status it maps to. */
  static Response error(ObjectMapper json, Throwable t) {
    ApiException e;
    if (t instanceof ApiException a) {
      e = a;
    } else if (t instanceof ClientNotFoundException) {
      e = ApiException.notFound("Client not found");
    } else if (t instanceof IllegalArgumentException || t instanceof IOException) {
      e = ApiException.badRequest(t.getMessage());
    } else if (t instanceof NoSuchElementException) {
      e = ApiException.notFound(t.getMessage());
    } else if (t instanceof IllegalStateException) {
      e = new ApiException(409, "ALREADY_EXISTS", t.getMessage());
    } else if (t instanceof UnsupportedOperationException) {
      e = new ApiException(501, "NOT_IMPLEMENTED", t.getMessage());
    } else if (t instanceof RejectedExecutionException) {
      e = new ApiException(503, "SERVICE_UNAVAILABLE", t.getMessage());
    } else {
      log.warn("management request failed", t);
      e = new ApiException(500, "UNKNOWN_ERROR", "internal error: " + t);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("code", e.code());
    m.put("message", e.getMessage() == null ? "" : e.getMessage());
    return json(json, e.status(), m);
  }

  /** The body as a JSON object; 400 naming where it is malformed. */
  @SuppressWarnings("unchecked")
  private Map<String, Object> body(Request q) {
    if (q.body().length == 0) {
      throw ApiException.badRequest("a JSON object body is required");
    }
    Object v;
    try {
      v = json.readValue(q.body(), Object.class);
    } catch (JsonProcessingException e) {
      var loc = e.getLocation();
      throw ApiException.badRequest("malformed JSON" + (loc == null ? "" : " at line "
          + loc.getLineNr() + " column " + loc.getColumnNr()) + ": " + e.getOriginalMessage());
    } catch (IOException e) {
      throw ApiException.badRequest("unreadable body: " + e.getMessage());
    }
    if (!(v instanceof Map)) {
      throw ApiException.badRequest("the body must be a JSON object, was " + jsonText(v));
    }
    return (Map<String, Object>) v;
  }

  private String jsonText(Object v) {
    try {
      return json.writeValueAsString(v);
    } catch (JsonProcessingException e) {
      return String.valueOf(v);
    }
  }

  private int intField(Map<String, Object> body, String name, int dflt, int min, int max) {
    Object v = body.get(name);
    if (v == null) {
      return dflt;
    }
    if (v instanceof Integer i && i >= min && i <= max) {
      return i;
    }
    throw ApiException.badRequest(name + ": must be an integer from " + min + " to " + max
        + ", was " + jsonText(v));
  }

  private static int intQuery(Request q, String name, int dflt, int min, int max) {
    String v = q.query(name);
    if (v == null) {
      return dflt;
    }
    try {
      int i = Integer.parseInt(v);
      if (i >= min && i <= max) {
        return i;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new ApiException(400, "INVALID_PARAMETER", name + ": must be an integer from " + min
        + " to " + max + ", was '" + v + "'");
  }

  private static InetAddress ipAddress(String v) {
    if (!v.matches("[0-9a-fA-F:.]+")) {
      throw new ApiException(400, "INVALID_PARAMETER", "ip_address: '" + v
          + "' is not an IP address");
    }
    try {
      return InetAddress.getByName(v); // literal only: no lookup for these characters
    } catch (UnknownHostException e) {
      throw new ApiException(400, "INVALID_PARAMETER", "ip_address: '" + v
          + "' is not an IP address");
    }
  }

  /** EMQX's timestamps: milliseconds since the epoch, or RFC 3339. */
  private static long timestamp(String name, String v) {
    if (v.matches("-?\\d+")) {
      return Long.parseLong(v);
    }
    try {
      return OffsetDateTime.parse(v).toInstant().toEpochMilli();
    } catch (DateTimeParseException e) {
      throw new ApiException(400, "INVALID_PARAMETER", name + ": '" + v + "' is neither"
          + " milliseconds since the epoch nor an RFC 3339 time");
    }
  }

  static String rfc3339(long millis) {
    return RFC3339.format(Instant.ofEpochMilli(millis).atOffset(ZoneOffset.UTC));
  }
}
