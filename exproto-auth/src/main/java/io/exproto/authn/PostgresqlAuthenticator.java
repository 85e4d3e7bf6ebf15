package io.exproto.authn;

import io.exproto.auth.Credentials;
import io.exproto.authn.internal.ConfigKeys;
import io.exproto.authn.internal.PgBackend;
import io.exproto.authn.internal.RateLimitedLog;
import io.exproto.authn.internal.Vars;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * EMQX's {@code postgresql} authenticator ({@code mechanism = password_based, backend =
 * postgresql}): runs {@code query} (e.g. {@code SELECT password_hash, salt, is_superuser FROM
 * mqtt_user WHERE username = ${username} LIMIT 1}) with the placeholders bound as parameters, and
 * checks the first row's {@code password_hash} (or {@code password}) and {@code salt} with
 * {@code password_hash_algorithm} (default sha256, salt prefix). No row = ignore; a wrong password
 * = deny; a database error, a timeout or too many pending checks = ignore, logged at most once a
 * minute per cause. The shared user store of a multi-node deployment. Thread-safe; never blocks
 * the caller.
 */
public final class PostgresqlAuthenticator implements AuthenticationProvider {
  private static final Logger log = LoggerFactory.getLogger(PostgresqlAuthenticator.class);
  private static final Set<String> KEYS = ConfigKeys.union(PgBackend.KEYS, "mechanism",
      "backend", "enable", "password_hash_algorithm");

  private final PgBackend db;
  private final PasswordHashing hashing;
  private final RateLimitedLog warn = new RateLimitedLog(log);

  private PostgresqlAuthenticator(PgBackend db, PasswordHashing hashing) {
    this.db = db;
    this.hashing = hashing;
  }

  /**
   * Reads EMQX's postgresql authenticator block.
   *
   * @throws IllegalArgumentException naming the setting that is wrong
   */
  public static PostgresqlAuthenticator fromConfig(ConfigReader c) {
    c.refuseUnknown(KEYS);
    PasswordHashing h = PasswordHashing.fromConfig(c.object("password_hash_algorithm"));
    return new PostgresqlAuthenticator(new PgBackend(c, Vars.AUTHN, "exproto-authn-pg"), h);
  }

  @Override
  public String id() {
    return "password_based:postgresql";
  }

  @Override
  public CompletionStage<AuthnOutcome> authenticate(Credentials c) {
    String password = c.password();
    return db.query(Vars.of(c), rows -> decide(rows, password)).handle((o, e) -> {
      if (e != null) {
        String why = HttpAuthenticator.failure(e);
        warn.warn(why, "postgresql authenticator (" + db.where() + "): " + why
            + "; the check counts as ignore");
        return AuthnOutcome.ignore(why);
      }
      return o;
    });
  }

  private AuthnOutcome decide(List<Map<String, Object>> rows, String password) {
    if (rows.isEmpty()) {
      return AuthnOutcome.ignore("user not found");
    }
    Map<String, Object> row = rows.get(0);
    Object hash = row.containsKey("password_hash") ? row.get("password_hash")
        : row.get("password");
    if (hash == null) {
      warn.warn("no password_hash", "postgresql authenticator: the query returned no"
          + " password_hash (or password) column");
      return AuthnOutcome.ignore("no password_hash column");
    }
    Object salt = row.get("salt");
    if (!hashing.check(password, hash.toString(), salt == null ? "" : salt.toString())) {
      return AuthnOutcome.deny("bad username or password");
    }
    return AuthnOutcome.allow(HttpAuthenticator.truthy(row.get("is_superuser")), null);
  }

  @Override
  public void close() {
    db.close();
  }

  @Override
  public String toString() {
    return id() + "[" + db.where() + "]";
  }
}
