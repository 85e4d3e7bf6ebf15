package io.exproto.authn.internal;

import io.exproto.authn.ConfigReader;
import io.exproto.tls.TlsSettings;
import io.exproto.transport.internal.PemFiles;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The HTTP side shared by the http authenticator and the http authorization source: EMQX's
 * {@code method}, {@code url}, {@code headers}, {@code body}, {@code connect_timeout},
 * {@code request_timeout}, {@code pool_size}, {@code ssl}. Requests go through the JDK's
 * {@link HttpClient} (HTTP/1.1), at most {@code pool_size} at once, at most
 * {@code max_pending} waiting; rendered values (which may hold the password) are never logged.
 * Thread-safe.
 */
public final class HttpBackend implements AutoCloseable {
  /** Settings this class reads (besides those of the caller). */
  public static final Set<String> KEYS = Set.of("method", "url", "headers", "body",
      "connect_timeout", "request_timeout", "pool_size", "ssl", "enable_pipelining",
      "max_retries", "max_pending");

  /** A response: status, body, content type (lower case, may be empty). */
  public record Response(int status, String body, String contentType) {}

  private final boolean post;
  private final Template url;
  private final Map<String, String> headers;
  private final Map<String, Template> body;
  private final Duration requestTimeout;
  private final HttpClient client;
  private final ExecutorService executor;
  private final AsyncLimiter limiter;
  private final String urlForLogs;
  private final boolean json;

  /** Reads the settings from {@code c}; placeholders allowed are {@code vars}. */
  public HttpBackend(ConfigReader c, Set<String> vars, String threadName) {
    this.post = c.oneOf("method", "post", "post", "get").equals("post");
    String u = c.requiredString("url");
    this.url = Template.parse(u, vars, c.at("url"));
    this.urlForLogs = u;
    try {
      URI probe = URI.create(url.render(v -> "x"));
      String scheme = probe.getScheme() == null ? "" : probe.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https") || probe.getHost() == null) {
        throw c.error("url", "'" + u + "' is not an http:// or https:// URL with a host");
      }
    } catch (IllegalArgumentException e) {
      if (e.getMessage().startsWith(c.at("url"))) {
        throw e;
      }
      throw c.error("url", "'" + u + "' is not a URL: " + e.getMessage());
    }
    Map<String, String> h = new LinkedHashMap<>();
    if (post) {
      h.put("content-type", "application/json");
    }
    c.stringMap("headers").forEach((k, v) -> h.put(k.toLowerCase(Locale.ROOT), v));
    this.headers = Map.copyOf(h);
    this.json = h.getOrDefault("content-type", "application/json").contains("json");
    Map<String, Template> b = new LinkedHashMap<>();
    ConfigReader bodyCfg = c.object("body");
    for (String k : bodyCfg.keys()) {
      b.put(k, Template.parse(bodyCfg.string(k, ""), vars, bodyCfg.at(k)));
    }
    if (b.isEmpty()) {
      if (vars.contains("password")) {
        b.put("username", Template.parse("${username}", vars, "body"));
        b.put("password", Template.parse("${password}", vars, "body"));
      }
    }
    this.body = b;
    Duration connectTimeout = c.positiveDuration("connect_timeout", Duration.ofSeconds(15));
    this.requestTimeout = c.positiveDuration("request_timeout", Duration.ofSeconds(5));
    int poolSize = c.integer("pool_size", 8, 1, 1024);
    int maxPending = c.integer("max_pending", 10_000, 1, 1_000_000);
    AtomicInteger n = new AtomicInteger();
    this.executor = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, threadName + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    HttpClient.Builder cb = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(connectTimeout).executor(executor)
        .followRedirects(HttpClient.Redirect.NEVER);
    ConfigReader ssl = c.object("ssl");
    if (ssl.bool("enable", false)) {
      ssl.refuseUnknown(Set.of("enable", "verify", "cacertfile", "certfile", "keyfile",
          "server_name_indication", "versions", "ciphers", "depth", "password",
          "reuse_sessions", "secure_renegotiate", "hibernate_after", "log_level"));
      boolean verifyPeer = ssl.oneOf("verify", "verify_peer", "verify_peer", "verify_none")
          .equals("verify_peer");
      TlsSettings tls = clientTls(ssl, verifyPeer);
      cb.sslContext(sslContext(tls, verifyPeer, ssl.path()));
      tls.serverName().ifPresent(sni -> {
        SSLParameters p = new SSLParameters();
        p.setServerNames(List.of(new SNIHostName(sni)));
        cb.sslParameters(p);
      });
    }
    this.client = cb.build();
    this.limiter = new AsyncLimiter(threadName + " " + urlForLogs, poolSize, maxPending);
  }

  /**
   * EMQX's client {@code ssl} block as {@link TlsSettings#client()}: {@code cacertfile} (read only
   * with {@code verify = verify_peer}), {@code certfile} with {@code keyfile},
   * {@code server_name_indication} ({@code disable}: none). The files are read here, so that an
   * error names the key; {@code versions} and {@code ciphers} are accepted and left to the JDK.
   */
  private static TlsSettings clientTls(ConfigReader ssl, boolean verifyPeer) {
    TlsSettings.ClientBuilder b = TlsSettings.client();
    if (verifyPeer && ssl.has("cacertfile")) {
      b.trustCertificates(List.of(PemFiles.certificates(ssl.at("cacertfile"),
          Path.of(ssl.string("cacertfile", null)))));
    }
    if (ssl.has("certfile") || ssl.has("keyfile")) {
      if (!ssl.has("certfile") || !ssl.has("keyfile")) {
        throw ssl.error(ssl.has("certfile") ? "keyfile" : "certfile",
            "certfile and keyfile go together");
      }
      b.certificate(List.of(PemFiles.certificates(ssl.at("certfile"),
              Path.of(ssl.string("certfile", null)))),
          PemFiles.privateKey(ssl.at("keyfile"), Path.of(ssl.string("keyfile", null))));
    }
    String sni = ssl.string("server_name_indication", null);
    try {
      if (sni != null && !sni.equals("disable")) {
        b.serverName(sni);
      }
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(ssl.path() + ": " + e.getMessage(), e);
    }
  }

  /**
   * The JDK's TLS context for {@code tls}; with {@code verify_none} the server's certificate is
   * not checked at all (EMQX's {@code verify = verify_none}).
   */
  private static SSLContext sslContext(TlsSettings tls, boolean verifyPeer, String at) {
    try {
      TrustManager[] tms = null;
      if (!verifyPeer) {
        tms = new TrustManager[] {new X509TrustManager() {
          @Override
          public void checkClientTrusted(X509Certificate[] chain, String authType) {}

          @Override
          public void checkServerTrusted(X509Certificate[] chain, String authType) {}

          @Override
          public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
          }
        }};
      } else if (!tls.trustCertificates().isEmpty()) {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        int i = 0;
        for (X509Certificate cert : tls.trustCertificates()) {
          ks.setCertificateEntry("ca" + i++, cert);
        }
        TrustManagerFactory tmf =
            TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        tms = tmf.getTrustManagers();
      }
      KeyManager[] kms = null;
      if (tls.privateKey().isPresent()) {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        ks.setKeyEntry("client", tls.privateKey().get(), new char[0],
            tls.certificateChain().toArray(new X509Certificate[0]));
        KeyManagerFactory kmf =
            KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        kms = kmf.getKeyManagers();
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kms, tms, new SecureRandom());
      return ctx;
    } catch (Exception e) {
      throw new IllegalArgumentException(at + ": cannot set up TLS: " + e.getMessage(), e);
    }
  }

  /** The URL as configured (placeholders unrendered: safe to log). */
  public String urlForLogs() {
    return urlForLogs;
  }

  /** The request timeout. */
  public Duration requestTimeout() {
    return requestTimeout;
  }

  /** Sends one request with {@code vars} rendered; fails on timeout, refusal or I/O error. */
  public CompletableFuture<Response> call(Function<String, String> vars) {
    return limiter.run(() -> send(vars));
  }

  private CompletableFuture<Response> send(Function<String, String> vars) {
    String target = url.render(vars, HttpBackend::urlEncode);
    String payload;
    HttpRequest.Builder rb = HttpRequest.newBuilder().timeout(requestTimeout);
    headers.forEach((k, v) -> {
      if (!k.equals("connection") && !k.equals("content-length") && !k.equals("host")
          && !k.equals("keep-alive")) {
        rb.header(k, v);
      }
    });
    if (post) {
      if (json) {
        Map<String, Object> m = new LinkedHashMap<>();
        body.forEach((k, t) -> m.put(k, t.render(vars)));
        payload = Json.write(m);
      } else {
        payload = form(vars);
      }
      rb.uri(URI.create(target)).POST(HttpRequest.BodyPublishers.ofString(payload,
          StandardCharsets.UTF_8));
    } else {
      String q = form(vars);
      if (!q.isEmpty()) {
        target = target + (target.contains("?") ? "&" : "?") + q;
      }
      rb.uri(URI.create(target)).GET();
    }
    return client.sendAsync(rb.build(), HttpResponse.BodyHandlers.ofString())
        .thenApply(r -> new Response(r.statusCode(), r.body(), r.headers()
            .firstValue("content-type").orElse("").toLowerCase(Locale.ROOT)));
  }

  private String form(Function<String, String> vars) {
    StringBuilder b = new StringBuilder();
    body.forEach((k, t) -> {
      if (b.length() > 0) {
        b.append('&');
      }
      b.append(urlEncode(k)).append('=').append(urlEncode(t.render(vars)));
    });
    return b.toString();
  }

  private static String urlEncode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /**
   * Parses a 200 response's body as EMQX does: JSON, or {@code application/x-www-form-urlencoded}
   * when the response says so.
   *
   * @throws IllegalArgumentException if it is neither
   */
  public static Map<String, Object> parseBody(Response r) {
    if (r.contentType().startsWith("application/x-www-form-urlencoded")) {
      Map<String, Object> m = new LinkedHashMap<>();
      for (String pair : r.body().split("&")) {
        int eq = pair.indexOf('=');
        if (eq > 0) {
          m.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
              URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
      }
      return m;
    }
    return Json.object(r.body());
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
