package io.exproto.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The options of a bench command: {@code --name value} pairs and positional words. Durations are
 * {@code 500ms}, {@code 3s}, {@code 2m} or plain seconds. Not thread-safe; read once.
 */
public final class BenchArgs {
  private final List<String> positional = new ArrayList<>();
  private final Map<String, String> options = new LinkedHashMap<>();

  private BenchArgs() {}

  /**
   * Parses {@code args}.
   *
   * @throws IllegalArgumentException if an option has no value
   */
  public static BenchArgs parse(String... args) {
    BenchArgs a = new BenchArgs();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.startsWith("--")) {
        String name = arg.substring(2);
        String value;
        int eq = name.indexOf('=');
        if (eq >= 0) {
          value = name.substring(eq + 1);
          name = name.substring(0, eq);
        } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
          value = args[++i];
        } else {
          throw new IllegalArgumentException("option --" + name + " needs a value");
        }
        a.options.put(name, value);
      } else {
        a.positional.add(arg);
      }
    }
    return a;
  }

  /** The words that are not options, in order. */
  public List<String> positional() {
    return positional;
  }

  /** The option's value, or {@code fallback}. */
  public String string(String name, String fallback) {
    return options.getOrDefault(name, fallback);
  }

  /** True if the option was given. */
  public boolean has(String name) {
    return options.containsKey(name);
  }

  /**
   * An integer option; {@code _} and {@code ,} separators allowed ({@code 15_000}).
   *
   * @throws IllegalArgumentException naming the option if the value is not an integer
   */
  public int integer(String name, int fallback) {
    String v = options.get(name);
    if (v == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(v.replace("_", "").replace(",", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " must be an integer, was '" + v + "'");
    }
  }

  /** A list of integers, comma separated ({@code 1,100,1000}). */
  public List<Integer> integers(String name, List<Integer> fallback) {
    String v = options.get(name);
    if (v == null) {
      return fallback;
    }
    List<Integer> out = new ArrayList<>();
    for (String part : v.split(",")) {
      try {
        out.add(Integer.parseInt(part.trim().replace("_", "")));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--" + name + " must be integers separated by commas,"
            + " was '" + v + "'");
      }
    }
    return out;
  }

  /** A duration option. */
  public Duration duration(String name, Duration fallback) {
    String v = options.get(name);
    return v == null ? fallback : parseDuration(name, v);
  }

  static Duration parseDuration(String name, String v) {
    String s = v.trim().toLowerCase(Locale.ROOT);
    try {
      if (s.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
      } else if (s.endsWith("s")) {
        return Duration.ofMillis(Math.round(Double.parseDouble(s.substring(0, s.length() - 1))
            * 1000));
      } else if (s.endsWith("m")) {
        return Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1)) * 60);
      }
      return Duration.ofMillis(Math.round(Double.parseDouble(s) * 1000));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " must be a duration such as 500ms, 3s"
          + " or 2m, was '" + v + "'");
    }
  }
}
