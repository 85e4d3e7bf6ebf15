package io.exproto.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import java.io.File;
import java.nio.file.Path;
import java.util.Set;

/**
 * The {@code http} block of {@code --config}: the management HTTP API and dashboard.
 *
 * <pre>
 * http {
 *   bind = "127.0.0.1:18083"
 *   api_key { bootstrap_file = "etc/api_keys" }   # key:secret lines
 * }
 * </pre>
 *
 * <p>Like EMQX's {@code psk_authentication}, it stands beside {@code gateway} (or at the top of a
 * file that is only the {@code gateway.exproto} block). Unknown keys are refused with their path.
 *
 * @param bind {@code http.bind}, or null
 * @param apiKeyFile {@code http.api_key.bootstrap_file}, or null
 */
record HttpSettings(HostPort bind, Path apiKeyFile) {
  private static final Set<String> HTTP = Set.of("bind", "api_key");
  private static final Set<String> API_KEY = Set.of("bootstrap_file");

  /**
   * Reads the {@code http} block of {@code file}; null if it has none.
   *
   * @throws IllegalArgumentException naming the key that is wrong
   */
  static HttpSettings load(File file) {
    try {
      Config root = ConfigFactory.parseFile(file,
          ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setAllowMissing(false))
          .resolve();
      if (!root.hasPath("http")) {
        return null;
      }
      Config h = root.getConfig("http");
      only(h, HTTP, "http.");
      HostPort bind = null;
      if (h.hasPath("bind")) {
        String v = h.getValue("bind").unwrapped().toString();
        try {
          bind = v.matches("\\d+") ? new HostPort("0.0.0.0", Integer.parseInt(v))
              : HostPort.parse(v);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("http.bind: " + e.getMessage(), e);
        }
      }
      Path keys = null;
      if (h.hasPath("api_key")) {
        Config k = h.getConfig("api_key");
        only(k, API_KEY, "http.api_key.");
        keys = k.hasPath("bootstrap_file") ? Path.of(k.getString("bootstrap_file")) : null;
      }
      return new HttpSettings(bind, keys);
    } catch (ConfigException e) {
      throw new IllegalArgumentException("config file " + file + ": " + e.getMessage(), e);
    }
  }

  private static void only(Config c, Set<String> known, String at) {
    for (String key : c.root().keySet()) {
      if (!known.contains(key)) {
        throw new IllegalArgumentException(at + key + " is not a setting this gateway knows;"
            + " known here: " + String.join(", ", known.stream().sorted().toList()));
      }
    }
  }
}
