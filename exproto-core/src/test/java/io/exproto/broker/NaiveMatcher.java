package io.exproto.broker;

import java.util.Arrays;
import java.util.List;

/**
 * MQTT topic matching written the obvious way (split into levels, recurse), as the reference the
 * fuzz and property tests compare the real matchers with.
 */
public final class NaiveMatcher {
  private NaiveMatcher() {}

  public static boolean matches(String filter, String topic) {
    if (topic.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) {
      return false;
    }
    return match(Arrays.asList(filter.split("/", -1)), Arrays.asList(topic.split("/", -1)));
  }

  private static boolean match(List<String> f, List<String> t) {
    for (int i = 0; ; i++) {
      if (i == f.size()) {
        return i == t.size();
      }
      if (f.get(i).equals("#")) {
        return true;
      }
      if (i == t.size()) {
        return false;
      }
      if (!f.get(i).equals("+") && !f.get(i).equals(t.get(i))) {
        return false;
      }
    }
  }
}
