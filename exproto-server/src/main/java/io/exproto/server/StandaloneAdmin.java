package io.exproto.server;

import io.exproto.gateway.Gateway;
import io.exproto.handler.ConnectionHandler;
import io.exproto.server.GatewayConfigFile.ListenerConfig;
import io.exproto.server.http.ServerAdmin;
import io.exproto.transport.TransportListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The standalone gateway's side of the management HTTP API: its configuration in EMQX's shape,
 * listeners built from EMQX's listener objects, live setting changes. Thread-safe; listener
 * changes are serialized.
 */
final class StandaloneAdmin implements ServerAdmin {
  private static final Logger log = LoggerFactory.getLogger(StandaloneAdmin.class);

  private final Gateway gateway;
  private final PrometheusMeterRegistry registry;
  private final Function<ListenerConfig, TransportListener> listenerFactory;
  private final BiFunction<String, String, ConnectionHandler> handlerFactory;
  private final Map<String, ListenerConfig> listeners = new ConcurrentHashMap<>();
  private final Object changes = new Object();
  private final String adapterBind;
  private volatile String handlerAddress;
  private volatile String handlerService;

  /**
   * @param handlerFactory a new handler for (address, service name); null when the gateway runs
   *     the in-process echo handler, whose handler cannot be changed over the API
   */
  StandaloneAdmin(Gateway gateway, PrometheusMeterRegistry registry, List<ListenerConfig> specs,
      Function<ListenerConfig, TransportListener> listenerFactory,
      BiFunction<String, String, ConnectionHandler> handlerFactory, String adapterBind,
      String handlerAddress, String handlerService) {
    this.gateway = gateway;
    this.registry = registry;
    this.listenerFactory = listenerFactory;
    this.handlerFactory = handlerFactory;
    this.adapterBind = adapterBind;
    this.handlerAddress = handlerAddress;
    this.handlerService = handlerService;
    for (ListenerConfig l : specs) {
      listeners.put(l.name(), l);
    }
  }

  @Override
  public Gateway gateway() {
    return gateway;
  }

  @Override
  public Map<String, Object> gatewayConfig() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("mountpoint", gateway.mountpoint());
    m.put("idle_timeout", duration(gateway.idleTimeout()));
    m.put("enable_stats", true);
    m.put("server", Map.of("bind", adapterBind));
    Map<String, Object> h = new LinkedHashMap<>();
    h.put("address", handlerAddress == null ? "in-process echo" : handlerAddress);
    h.put("service_name", handlerService);
    m.put("handler", h);
    return m;
  }

  @Override
  public void updateGateway(Map<String, Object> body) {
    Duration idle = null;
    String address = null;
    String service = null;
    for (Map.Entry<String, Object> e : body.entrySet()) {
      String k = e.getKey();
      Object v = e.getValue();
      switch (k) {
        case "idle_timeout" -> idle = parseDuration(k, v);
        case "enable" -> {
          if (!Boolean.TRUE.equals(v)) {
            throw new IllegalArgumentException("enable: the gateway cannot be disabled over the"
                + " API; stop the process instead");
          }
        }
        case "enable_stats" -> {
          if (!(v instanceof Boolean)) {
            throw new IllegalArgumentException("enable_stats: must be true or false");
          }
        }
        case "mountpoint" -> {
          if (!Objects.equals(v, gateway.mountpoint())) {
            throw new IllegalArgumentException("mountpoint cannot change on a running gateway"
                + " (it would move connected clients' topics); set it in the config file and"
                + " restart");
          }
        }
        case "server" -> {
          Object bind = v instanceof Map<?, ?> s ? s.get("bind") : v;
          if (!Objects.equals(String.valueOf(bind), adapterBind)) {
            throw new IllegalArgumentException("server.bind cannot change on a running gateway;"
                + " set it in the config file and restart");
          }
        }
        case "handler" -> {
          if (!(v instanceof Map<?, ?> h)) {
            throw new IllegalArgumentException("handler: must be an object with address and"
                + " service_name");
          }
          for (Object hk : h.keySet()) {
            if (!List.of("address", "service_name", "ssl_options").contains(hk)) {
              throw new IllegalArgumentException("handler." + hk + " is not a setting this"
                  + " gateway knows; known here: address, service_name");
            }
          }
          if (h.containsKey("ssl_options")) {
            throw new IllegalArgumentException("handler.ssl_options cannot change on a running"
                + " gateway; set it in the config file and restart");
          }
          address = h.get("address") == null ? null : String.valueOf(h.get("address"));
          service = h.get("service_name") == null ? null : String.valueOf(h.get("service_name"));
        }
        // What GET returns beside the settings: accepted back unchanged, ignored.
        case "name", "status", "created_at", "started_at", "current_connections",
            "max_connections", "listeners" -> { }
        default -> throw new IllegalArgumentException(k + " is not a setting this gateway knows;"
            + " known: idle_timeout, handler, mountpoint, server, enable, enable_stats");
      }
    }
    String newAddress = address != null ? address : handlerAddress;
    String newService = service != null ? service : handlerService;
    boolean handlerChanges = !Objects.equals(newAddress, handlerAddress)
        || !Objects.equals(newService, handlerService);
    ConnectionHandler replacement = null;
    if (handlerChanges) {
      if (handlerFactory == null) {
        throw new IllegalArgumentException("handler: this gateway runs the in-process echo"
            + " handler; start it with --handler to manage a remote handler");
      }
      replacement = handlerFactory.apply(newAddress, newService); // validates first
    }
    if (idle != null) {
      gateway.updateIdleTimeout(idle);
    }
    if (replacement != null) {
      gateway.replaceHandler(replacement);
      handlerAddress = newAddress;
      handlerService = newService;
      log.info("handler is now {} ({}) for new connections", newAddress, newService);
    }
  }

  private static Duration parseDuration(String key, Object v) {
    try {
      if (v instanceof Integer ms) {
        return new DurationConverter().convert(ms + "ms");
      }
      return new DurationConverter().convert(String.valueOf(v));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(key + ": " + e.getMessage(), e);
    }
  }

  static String duration(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? (ms / 1000) + "s" : ms + "ms";
  }

  @Override
  public Map<String, Object> listenerConfig(String name) {
    ListenerConfig l = listeners.get(name);
    return l == null ? null : describe(l);
  }

  private static Map<String, Object> describe(ListenerConfig l) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", l.type());
    m.put("name", l.name());
    m.put("bind", l.bind().toString());
    m.put("max_connections", l.maxConnections() != null ? l.maxConnections() : 1024000);
    m.put("max_conn_rate", l.maxConnRate() != null ? l.maxConnRate() : 1000);
    m.put("access_rules", l.accessRules() != null ? l.accessRules() : List.of());
    if (l.type().equals("tcp") || l.type().equals("ssl")) {
      m.put("proxy_protocol", l.proxyProtocol() != null && l.proxyProtocol());
      m.put("proxy_protocol_timeout", duration(l.proxyProtocolTimeout() != null
          ? l.proxyProtocolTimeout() : Duration.ofSeconds(3)));
    }
    if (l.tcpOptions() != null) {
      Map<String, Object> t = new LinkedHashMap<>();
      put(t, "nodelay", l.tcpOptions().nodelay());
      put(t, "reuseaddr", l.tcpOptions().reuseaddr());
      put(t, "sndbuf", l.tcpOptions().sndbuf());
      put(t, "recbuf", l.tcpOptions().recbuf());
      put(t, "backlog", l.tcpOptions().backlog());
      if (l.tcpOptions().sendTimeout() != null) {
        t.put("send_timeout", duration(l.tcpOptions().sendTimeout()));
      }
      m.put("tcp_options", t);
    }
    if (l.udpOptions() != null) {
      Map<String, Object> u = new LinkedHashMap<>();
      put(u, "reuseaddr", l.udpOptions().reuseaddr());
      put(u, "sndbuf", l.udpOptions().sndbuf());
      put(u, "recbuf", l.udpOptions().recbuf());
      m.put("udp_options", u);
    }
    if (l.tls() != null) {
      Map<String, Object> s = new LinkedHashMap<>();
      put(s, "certfile", l.tls().certfile() == null ? null : l.tls().certfile().toString());
      put(s, "keyfile", l.tls().keyfile() == null ? null : l.tls().keyfile().toString());
      put(s, "cacertfile", l.tls().cacertfile() == null ? null : l.tls().cacertfile().toString());
      s.put("verify", l.tls().verifyPeer() ? "verify_peer" : "verify_none");
      s.put("fail_if_no_peer_cert", l.tls().failIfNoPeerCert());
      m.put(l.type().equals("dtls") ? "dtls_options" : "ssl_options", s);
    }
    return m;
  }

  private static void put(Map<String, Object> m, String k, Object v) {
    if (v != null) {
      m.put(k, v);
    }
  }

  @Override
  public void createListener(String json) throws IOException {
    ListenerConfig l = ListenerBlocks.listenerFromJson(json, null, null);
    synchronized (changes) {
      if (listeners.containsKey(l.name())
          || gateway.listenerAddresses().containsKey(l.name())) {
        throw new IllegalArgumentException("The listener name is occupied: " + l.name());
      }
      gateway.addListener(listenerFactory.apply(l));
      listeners.put(l.name(), l);
    }
  }

  @Override
  public void updateListener(String type, String name, String json) throws IOException {
    ListenerConfig l = ListenerBlocks.listenerFromJson(json, type, name);
    synchronized (changes) {
      if (!listeners.containsKey(name)) {
        throw new NoSuchElementException("Listener not found: exproto:" + type + ":" + name);
      }
      TransportListener replacement = listenerFactory.apply(l);
      gateway.updateListener(replacement);
      listeners.put(name, l);
    }
  }

  @Override
  public boolean deleteListener(String name) {
    synchronized (changes) {
      boolean removed = gateway.removeListener(name);
      listeners.remove(name);
      return removed;
    }
  }

  @Override
  public String prometheusText() {
    return registry.scrape();
  }

  @Override
  public Map<String, Double> totals() {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("received_msg", sum(registry, "exproto.messages.published"));
    m.put("sent_msg", sum(registry, "exproto.messages.delivered"));
    m.put("dropped_msg", sum(registry, "exproto.messages.dropped"));
    m.put("received_bytes", sum(registry, "exproto.bytes.received"));
    m.put("sent_bytes", sum(registry, "exproto.bytes.sent"));
    return m;
  }

  private static double sum(MeterRegistry r, String name) {
    double total = 0;
    for (Counter c : r.find(name).counters()) {
      total += c.count();
    }
    return total;
  }
}
