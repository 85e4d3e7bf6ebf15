package io.exproto.authz;

import io.exproto.auth.Authorizer.Action;
import io.exproto.auth.ClientIdentity;
import io.exproto.authn.ConfigReader;
import io.exproto.authn.internal.ConfigKeys;
import io.exproto.authn.internal.HttpBackend;
import io.exproto.authn.internal.RateLimitedLog;
import io.exproto.authn.internal.Vars;
import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * EMQX's {@code http} authorization source: 204 = allow; 200 with {@code {"result": "allow" |
 * "deny" | "ignore"}} = allow, deny or no match; any other status, a timeout or an unparsable body
 * = no match, logged at most once a minute per cause. Placeholders: {@code ${clientid}
 * ${username} ${peerhost} ${peerport} ${cert_subject} ${cert_common_name} ${listener} ${action}
 * ${topic}}. Settings as the http authenticator's. Thread-safe; never blocks.
 */
public final class HttpAuthorizationSource implements AuthorizationSource {
  private static final Logger log = LoggerFactory.getLogger(HttpAuthorizationSource.class);
  private static final Set<String> KEYS = ConfigKeys.union(HttpBackend.KEYS, "type", "enable");

  private final HttpBackend http;
  private final RateLimitedLog warn = new RateLimitedLog(log);

  private HttpAuthorizationSource(HttpBackend http) {
    this.http = http;
  }

  /** Reads EMQX's http source block; errors name the setting. */
  public static HttpAuthorizationSource fromConfig(ConfigReader c) {
    c.refuseUnknown(KEYS);
    return new HttpAuthorizationSource(new HttpBackend(c, Vars.AUTHZ, "exproto-authz-http"));
  }

  @Override
  public String type() {
    return "http";
  }

  @Override
  public CompletionStage<AuthzResult> authorize(ClientIdentity client, Action action,
      String topic) {
    String a = action.name().toLowerCase(Locale.ROOT);
    return http.call(Vars.of(client, a, topic)).handle((r, e) -> {
      if (e != null) {
        return nomatch(failure(e));
      }
      if (r.status() == 204) {
        return AuthzResult.ALLOW;
      }
      if (r.status() != 200) {
        return nomatch("HTTP status " + r.status());
      }
      Map<String, Object> body;
      try {
        body = HttpBackend.parseBody(r);
      } catch (IllegalArgumentException bad) {
        return nomatch("unparsable 200 body (" + bad.getMessage() + ")");
      }
      Object result = body.getOrDefault("result", "ignore");
      return switch (String.valueOf(result)) {
        case "allow" -> AuthzResult.ALLOW;
        case "deny" -> AuthzResult.DENY;
        case "ignore" -> AuthzResult.NOMATCH;
        default -> nomatch("unknown result '" + result + "'");
      };
    });
  }

  private static String failure(Throwable e) {
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
    return t.toString();
  }

  private AuthzResult nomatch(String why) {
    warn.warn(why, "http authorization source " + http.urlForLogs() + ": " + why
        + "; the check counts as no match");
    return AuthzResult.NOMATCH;
  }

  @Override
  public void close() {
    http.close();
  }
}
