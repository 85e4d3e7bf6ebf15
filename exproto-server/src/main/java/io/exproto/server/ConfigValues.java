package io.exproto.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * How the config file's values are read and checked: sizes, paths, bind addresses, the keys a
 * block knows. Each error names the key's path ({@code at}). Stateless.
 */
final class ConfigValues {
  private ConfigValues() {}

  /** A size that may be written negative, which HOCON's own size parser refuses obscurely. */
  static long inboundBytes(Config c, String at) {
    if (c.getValue("max_inbound_bytes_per_second").valueType() == ConfigValueType.NUMBER) {
      return notNegative(c.getLong("max_inbound_bytes_per_second"), at);
    }
    return notNegative(c.getBytes("max_inbound_bytes_per_second"), at);
  }

  static long notNegative(long value, String at) {
    if (value < 0) {
      throw new IllegalArgumentException(at + " must not be negative (0 is unlimited), was "
          + value);
    }
    return value;
  }

  /**
   * A HOCON size ({@code 8MiB}, {@code 64KiB}, {@code 4096}; {@code MB} is 10^6) that must fit an
   * int.
   */
  static Integer bytes(Config c, String key, String at) {
    if (!c.hasPath(key)) {
      return null;
    }
    long n = c.getBytes(key);
    if (n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(at + key + " must be at most " + Integer.MAX_VALUE
          + " bytes, was " + n);
    }
    return (int) n;
  }

  static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> all = new HashSet<>(a);
    all.addAll(b);
    return Set.copyOf(all);
  }

  static Path path(Config s, String key) {
    return s.hasPath(key) ? Path.of(s.getString(key)) : null;
  }

  static HostPort bind(Config c, String key, String at) {
    String v = c.getValue(key).unwrapped().toString();
    try {
      return v.matches("\\d+") ? new HostPort("0.0.0.0", Integer.parseInt(v)) : HostPort.parse(v);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(at + ": " + e.getMessage(), e);
    }
  }

  static void onlyKnown(Config c, Set<String> known, String at) {
    for (String key : c.root().keySet()) {
      if (!known.contains(key)) {
        throw new IllegalArgumentException(at + key + " is not a setting this gateway knows;"
            + " known here: " + String.join(", ", known.stream().sorted().toList()));
      }
    }
  }

  static String quote(String key) {
    return "\"" + key.replace("\"", "\\\"") + "\"";
  }
}
