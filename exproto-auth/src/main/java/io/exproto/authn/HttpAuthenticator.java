package io.exproto.authn;

import io.exproto.auth.Credentials;
import io.exproto.authn.internal.ConfigKeys;
import io.exproto.authn.internal.HttpBackend;
import io.exproto.authn.internal.RateLimitedLog;
import io.exproto.authn.internal.Vars;
import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * EMQX's {@code http} authenticator ({@code mechanism = password_based, backend = http}): asks the
 * user's HTTP service. Status 204 = allow; 200 with {@code {"result": "allow" | "deny" |
 * "ignore", "is_superuser": bool, "expire_at": unix_seconds}} (JSON, or form-encoded when the
 * response says so); any other status, a timeout, a refused request or an unparsable body =
 * ignore, logged at most once a minute per cause, never with the password.
 *
 * <p>Settings ({@link #fromConfig}): {@code method} (post | get, default post), {@code url},
 * {@code headers}, {@code body} (values with {@code ${clientid} ${username} ${password}
 * ${peerhost} ${peerport} ${cert_subject} ${cert_common_name} ${protocol} ${listener}}; default
 * username and password), {@code connect_timeout} (15 s), {@code request_timeout} (5 s),
 * {@code pool_size} (8 requests at once), {@code max_pending} (10000 waiting; beyond it a check is
 * refused at once and counts as ignore), {@code ssl}. Thread-safe; never blocks.
 */
public final class HttpAuthenticator implements AuthenticationProvider {
  private static final Logger log = LoggerFactory.getLogger(HttpAuthenticator.class);
  private static final Set<String> KEYS = ConfigKeys.union(HttpBackend.KEYS, "mechanism",
      "backend", "enable");

  private final HttpBackend http;
  private final RateLimitedLog warn = new RateLimitedLog(log);

  private HttpAuthenticator(HttpBackend http) {
    this.http = http;
  }

  /**
   * Reads EMQX's http authenticator block.
   *
   * @throws IllegalArgumentException naming the setting that is wrong
   */
  public static HttpAuthenticator fromConfig(ConfigReader c) {
    c.refuseUnknown(KEYS);
    return new HttpAuthenticator(new HttpBackend(c, Vars.AUTHN, "exproto-authn-http"));
  }

  @Override
  public String id() {
    return "password_based:http";
  }

  @Override
  public CompletionStage<AuthnOutcome> authenticate(Credentials c) {
    return http.call(Vars.of(c)).handle((r, e) -> {
      if (e != null) {
        String why = failure(e);
        if (!c.password().isEmpty()) {
          why = why.replace(c.password(), "******"); // an exception may echo the request
        }
        return ignore(why);
      }
      if (r.status() == 204) {
        return AuthnOutcome.allow(false, null);
      }
      if (r.status() != 200) {
        return ignore("HTTP status " + r.status());
      }
      Map<String, Object> body;
      try {
        body = HttpBackend.parseBody(r);
      } catch (IllegalArgumentException bad) {
        return ignore("unparsable 200 body (" + bad.getMessage() + ")");
      }
      Object result = body.getOrDefault("result", "ignore");
      switch (String.valueOf(result)) {
        case "allow":
          break;
        case "deny":
          return AuthnOutcome.deny("not authorized");
        case "ignore":
          return AuthnOutcome.ignore("the service answered ignore");
        default:
          return ignore("unknown result '" + result + "'");
      }
      boolean superuser = truthy(body.get("is_superuser"));
      Instant expireAt = null;
      Object exp = body.get("expire_at");
      if (exp != null) {
        if (!(exp instanceof Number n) || n.doubleValue() != n.longValue()) {
          return ignore("expire_at '" + exp + "' is not a Unix time in seconds");
        }
        expireAt = Instant.ofEpochSecond(n.longValue());
        if (expireAt.isBefore(Instant.now())) {
          return ignore("expire_at " + exp + " is in the past");
        }
      }
      return AuthnOutcome.allow(superuser, expireAt);
    });
  }

  static boolean truthy(Object o) {
    return o instanceof Boolean b ? b : o != null && (o.toString().equals("true")
        || o.toString().equals("1"));
  }

  private AuthnOutcome ignore(String why) {
    warn.warn(why, "http authenticator " + http.urlForLogs() + ": " + why
        + "; the check counts as ignore");
    return AuthnOutcome.ignore(why);
  }

  static String failure(Throwable e) {
    Throwable t = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    if (t instanceof HttpTimeoutException) {
      return "timed out";
    }
    if (t instanceof RejectedExecutionException) {
      return "too many checks pending";
    }
    if (t instanceof ConnectException) {
      return "connection refused or unreachable";
    }
    return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
  }

  @Override
  public void close() {
    http.close();
  }

  @Override
  public String toString() {
    return id() + "[" + http.urlForLogs() + "]";
  }
}
