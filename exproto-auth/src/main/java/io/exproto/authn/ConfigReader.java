package io.exproto.authn;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads one EMQX-shaped configuration object (a map as HOCON or JSON gives it) and names the full
 * path of a setting in every error: what the {@code fromConfig} factories of this module take, so
 * that a host (the standalone gateway, a management API) can hand over EMQX's blocks as they are.
 * Not thread-safe; used while building.
 */
public final class ConfigReader {
  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

  private final Map<String, Object> map;
  private final String path;

  /** Reads {@code map}, found at {@code path} (e.g. {@code gateway.exproto.authentication[0]}). */
  public ConfigReader(Map<String, ?> map, String path) {
    this.map = new LinkedHashMap<>();
    if (map != null) {
      map.forEach((k, v) -> this.map.put(k, v));
    }
    this.path = path;
  }

  /** The path of this object. */
  public String path() {
    return path;
  }

  /** The full path of {@code key}. */
  public String at(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  /** An error about {@code key}. */
  public IllegalArgumentException error(String key, String message) {
    return new IllegalArgumentException(at(key) + ": " + message);
  }

  /** True if {@code key} is present (and not null). */
  public boolean has(String key) {
    return map.get(key) != null;
  }

  /** Refuses keys not in {@code known}, naming the first by its path. */
  public void refuseUnknown(Set<String> known) {
    for (String k : map.keySet()) {
      if (!known.contains(k)) {
        throw error(k, "unknown setting; known here: " + new TreeSet<>(known));
      }
    }
  }

  /** The raw value, or null. */
  public Object raw(String key) {
    return map.get(key);
  }

  /** A string value (numbers and booleans are accepted as their text), or {@code def}. */
  public String string(String key, String def) {
    Object v = map.get(key);
    if (v == null) {
      return def;
    }
    if (v instanceof String || v instanceof Number || v instanceof Boolean) {
      return v.toString();
    }
    throw error(key, "expected a string, was " + describe(v));
  }

  /** A string value that must be present. */
  public String requiredString(String key) {
    String s = string(key, null);
    if (s == null) {
      throw error(key, "required");
    }
    return s;
  }

  /** One of {@code allowed} (case-insensitive), lower-cased, or {@code def}. */
  public String oneOf(String key, String def, String... allowed) {
    String s = string(key, def);
    if (s == null) {
      return null;
    }
    String l = s.toLowerCase(Locale.ROOT);
    for (String a : allowed) {
      if (a.equals(l)) {
        return l;
      }
    }
    throw error(key, "'" + s + "' is not one of " + String.join(", ", allowed));
  }

  /** A boolean, or {@code def}. */
  public boolean bool(String key, boolean def) {
    Object v = map.get(key);
    if (v == null) {
      return def;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    if (v instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
      return Boolean.parseBoolean(s);
    }
    throw error(key, "expected true or false, was " + describe(v));
  }

  /** An integer within [min, max], or {@code def}. */
  public int integer(String key, int def, int min, int max) {
    Object v = map.get(key);
    long n;
    if (v == null) {
      return def;
    } else if (v instanceof Number num && num.doubleValue() == num.longValue()) {
      n = num.longValue();
    } else if (v instanceof String s && s.matches("-?\\d+")) {
      n = Long.parseLong(s);
    } else {
      throw error(key, "expected an integer, was " + describe(v));
    }
    if (n < min || n > max) {
      throw error(key, "must be between " + min + " and " + max + ", was " + n);
    }
    return (int) n;
  }

  /**
   * A duration: EMQX's {@code "5s"}, {@code "500ms"}, {@code "1m"}, {@code "1h"}, {@code "1d"}
   * (parts may be combined, {@code "1m30s"}), or a number of milliseconds.
   */
  public Duration duration(String key, Duration def) {
    Object v = map.get(key);
    if (v == null) {
      return def;
    }
    if (v instanceof Number n) {
      return Duration.ofMillis(n.longValue());
    }
    String s = string(key, null).trim().toLowerCase(Locale.ROOT);
    if (s.matches("\\d+")) {
      return Duration.ofMillis(Long.parseLong(s));
    }
    Matcher m = DURATION.matcher(s);
    Duration d = Duration.ZERO;
    int end = 0;
    while (m.find() && m.start() == end) {
      long n = Long.parseLong(m.group(1));
      d = d.plus(switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      });
      end = m.end();
    }
    if (end == 0 || end != s.length()) {
      throw error(key, "'" + v + "' is not a duration such as 5s, 500ms, 1m or 1h");
    }
    return d;
  }

  /** A positive duration, or {@code def}. */
  public Duration positiveDuration(String key, Duration def) {
    Duration d = duration(key, def);
    if (d != null && (d.isZero() || d.isNegative())) {
      throw error(key, "must be positive, was " + raw(key));
    }
    return d;
  }

  /** A nested object, empty if absent. */
  @SuppressWarnings("unchecked")
  public ConfigReader object(String key) {
    Object v = map.get(key);
    if (v == null) {
      return new ConfigReader(Map.of(), at(key));
    }
    if (v instanceof Map<?, ?> m) {
      return new ConfigReader((Map<String, ?>) m, at(key));
    }
    throw error(key, "expected an object { ... }, was " + describe(v));
  }

  /** A map of strings (e.g. headers), empty if absent. */
  public Map<String, String> stringMap(String key) {
    ConfigReader o = object(key);
    Map<String, String> out = new LinkedHashMap<>();
    for (String k : o.map.keySet()) {
      out.put(k, o.string(k, ""));
    }
    return out;
  }

  /** A list of raw values, empty if absent. */
  public List<Object> list(String key) {
    Object v = map.get(key);
    if (v == null) {
      return List.of();
    }
    if (v instanceof List<?> l) {
      return new ArrayList<>(l);
    }
    throw error(key, "expected a list [ ... ], was " + describe(v));
  }

  /** The keys present. */
  public Set<String> keys() {
    return map.keySet();
  }

  private static String describe(Object v) {
    if (v instanceof Map) {
      return "an object";
    }
    if (v instanceof List) {
      return "a list";
    }
    return "'" + v + "'";
  }
}
