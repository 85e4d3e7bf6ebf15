package io.exproto.authn;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds authenticators from EMQX's {@code authentication} configuration, as HOCON or JSON gives
 * it (a map, or a list of maps).
 *
 * <p>Supported: {@code mechanism = password_based} with {@code backend = built_in_database |
 * http | postgresql}, and {@code mechanism = jwt}. Other EMQX backends (mysql, mongodb, redis,
 * ldap, scram, gcp_device, cinfo, kerberos) are refused with an error that says so.
 */
public final class Authenticators {
  private static final Set<String> BUILT_IN_KEYS = Set.of("mechanism", "backend", "enable",
      "user_id_type", "password_hash_algorithm", "bootstrap_file", "bootstrap_type",
      "database_file");

  private Authenticators() {}

  /**
   * A chain of the authenticators in {@code value} (one object or a list), in order; those with
   * {@code enable = false} are left out.
   *
   * @param path where {@code value} is, for errors (e.g. {@code gateway.exproto.authentication})
   * @param dataDir where a built-in database without {@code database_file} keeps its file
   * @throws IllegalArgumentException naming the setting that is wrong
   */
  public static AuthenticationChain chain(Object value, String path, Path dataDir) {
    List<AuthenticationProvider> out = new ArrayList<>();
    try {
      if (value instanceof List<?> list) {
        for (int i = 0; i < list.size(); i++) {
          AuthenticationProvider p = provider(asMap(list.get(i), path + "[" + i + "]"),
              path + "[" + i + "]", dataDir);
          if (p != null) {
            for (AuthenticationProvider q : out) {
              if (q.id().equals(p.id())) {
                p.close();
                throw new IllegalArgumentException(path + "[" + i + "]: a second '" + p.id()
                    + "' authenticator; each backend may appear once");
              }
            }
            out.add(p);
          }
        }
      } else if (value != null) {
        AuthenticationProvider p = provider(asMap(value, path), path, dataDir);
        if (p != null) {
          out.add(p);
        }
      }
    } catch (RuntimeException e) {
      out.forEach(AuthenticationProvider::close);
      throw e;
    }
    return new AuthenticationChain(out);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asMap(Object o, String path) {
    if (o instanceof Map<?, ?> m) {
      return (Map<String, Object>) m;
    }
    throw new IllegalArgumentException(path + ": expected an authenticator object { mechanism ="
        + " ..., backend = ... }");
  }

  /**
   * One authenticator from its EMQX block, or null if {@code enable = false}.
   *
   * @throws IllegalArgumentException naming the setting that is wrong
   */
  public static AuthenticationProvider provider(Map<String, Object> block, String path,
      Path dataDir) {
    ConfigReader c = new ConfigReader(block, path);
    if (!c.bool("enable", true)) {
      return null;
    }
    String mechanism = c.string("mechanism", null);
    if (mechanism == null) {
      throw c.error("mechanism", "required: password_based or jwt");
    }
    switch (mechanism) {
      case "jwt":
        return JwtAuthenticator.fromConfig(c);
      case "password_based":
        break;
      case "scram", "gcp_device", "cinfo", "kerberos":
        throw c.error("mechanism", "'" + mechanism + "' is not supported by this gateway;"
            + " supported: password_based (built_in_database, http, postgresql), jwt");
      default:
        throw c.error("mechanism", "'" + mechanism + "' is not one of password_based, jwt");
    }
    String backend = c.string("backend", null);
    if (backend == null) {
      throw c.error("backend", "required: built_in_database, http or postgresql");
    }
    switch (backend) {
      case "built_in_database":
        return builtIn(c, dataDir);
      case "http":
        return HttpAuthenticator.fromConfig(c);
      case "postgresql":
        return PostgresqlAuthenticator.fromConfig(c);
      case "mysql", "mongodb", "redis", "ldap":
        throw c.error("backend", "'" + backend + "' is not supported by this gateway;"
            + " supported: built_in_database, http, postgresql");
      default:
        throw c.error("backend", "'" + backend + "' is not one of built_in_database, http,"
            + " postgresql");
    }
  }

  private static BuiltInDatabase builtIn(ConfigReader c, Path dataDir) {
    c.refuseUnknown(BUILT_IN_KEYS);
    BuiltInDatabase.Builder b = BuiltInDatabase.builder()
        .userIdType(c.oneOf("user_id_type", "username", "username", "clientid")
            .equals("username") ? BuiltInDatabase.UserIdType.USERNAME
            : BuiltInDatabase.UserIdType.CLIENTID)
        .passwordHashing(PasswordHashing.fromConfig(c.object("password_hash_algorithm")))
        .databaseFile(c.has("database_file") ? Path.of(c.string("database_file", null))
            : dataDir.resolve("exproto-authn.sqlite"));
    if (c.has("bootstrap_file")) {
      b.bootstrapFile(Path.of(c.string("bootstrap_file", null)),
          c.oneOf("bootstrap_type", "plain", "plain", "hash").equals("hash"));
    }
    try {
      return b.build();
    } catch (IOException e) {
      throw new UncheckedIOException(c.path() + ": " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(c.path() + "." + e.getMessage(), e);
    }
  }
}
