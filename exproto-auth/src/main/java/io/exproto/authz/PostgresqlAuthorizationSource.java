package io.exproto.authz;

import io.exproto.auth.Authorizer.Action;
import io.exproto.auth.ClientIdentity;
import io.exproto.authn.ConfigReader;
import io.exproto.authn.internal.ConfigKeys;
import io.exproto.authn.internal.PgBackend;
import io.exproto.authn.internal.RateLimitedLog;
import io.exproto.authn.internal.Vars;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * EMQX's {@code postgresql} authorization source: {@code query} (e.g. {@code SELECT permission,
 * action, topic FROM mqtt_acl WHERE username = ${username}}, placeholders bound as parameters)
 * returns rules as rows of {@code permission} (allow | deny), {@code action} (publish | subscribe
 * | all) and {@code topic} (a filter, placeholders allowed, {@code "eq "} prefix for a literal
 * match); the first row that matches decides. A database error, a timeout or a malformed row =
 * no match, logged at most once a minute per cause. Thread-safe; never blocks the caller.
 */
public final class PostgresqlAuthorizationSource implements AuthorizationSource {
  private static final Logger log = LoggerFactory.getLogger(PostgresqlAuthorizationSource.class);
  private static final Set<String> KEYS = ConfigKeys.union(PgBackend.KEYS, "type", "enable");

  private final PgBackend db;
  private final RateLimitedLog warn = new RateLimitedLog(log);

  private PostgresqlAuthorizationSource(PgBackend db) {
    this.db = db;
  }

  /** Reads EMQX's postgresql source block; errors name the setting. */
  public static PostgresqlAuthorizationSource fromConfig(ConfigReader c) {
    c.refuseUnknown(KEYS);
    return new PostgresqlAuthorizationSource(new PgBackend(c, Vars.AUTHZ, "exproto-authz-pg"));
  }

  @Override
  public String type() {
    return "postgresql";
  }

  @Override
  public CompletionStage<AuthzResult> authorize(ClientIdentity client, Action action,
      String topic) {
    String a = action.name().toLowerCase(Locale.ROOT);
    return db.query(Vars.of(client, a, topic), rows -> decide(rows, client, action, topic))
        .handle((r, e) -> {
          if (e != null) {
            Throwable t = e.getCause() != null ? e.getCause() : e;
            warn.warn(t.getClass().getName(), "postgresql authorization source (" + db.where()
                + "): " + t.getMessage() + "; the check counts as no match");
            return AuthzResult.NOMATCH;
          }
          return r;
        });
  }

  private AuthzResult decide(List<Map<String, Object>> rows, ClientIdentity client,
      Action action, String topic) {
    for (Map<String, Object> row : rows) {
      AclRule rule;
      try {
        rule = AclRule.of(String.valueOf(row.get("permission")),
            String.valueOf(row.get("action")), String.valueOf(row.get("topic")));
      } catch (IllegalArgumentException bad) {
        warn.warn("row", "postgresql authorization source: skipping a row: "
            + bad.getMessage());
        continue;
      }
      if (rule.matches(client, action, topic)) {
        return rule.allow() ? AuthzResult.ALLOW : AuthzResult.DENY;
      }
    }
    return AuthzResult.NOMATCH;
  }

  @Override
  public void close() {
    db.close();
  }
}
