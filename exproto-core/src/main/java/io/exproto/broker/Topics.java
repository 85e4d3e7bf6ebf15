package io.exproto.broker;

/**
 * MQTT topic rules: validation of topic names and filters, shared-subscription parsing, matching.
 * Stateless and thread-safe.
 *
 * <p>The validation methods return a short plain-English reason rather than throwing, because the
 * reason goes back to the handler as the adapter's error message.
 */
public final class Topics {
  /** The prefix of a shared subscription: {@code $share/<group>/<filter>}. */
  public static final String SHARE_PREFIX = "$share/";

  /** The MQTT limit on the encoded length of a topic (a UTF-8 string with a 16-bit length). */
  public static final int MAX_LENGTH_BYTES = 65535;

  private Topics() {}

  /**
   * Checks a topic name for publishing.
   *
   * @return null if valid, otherwise a plain-English reason (empty, contains a wildcard, contains
   *     NUL, longer than 65535 UTF-8 bytes)
   */
  public static String validateName(String topic) {
    if (topic == null) {
      return "topic name must not be null";
    }
    if (topic.isEmpty()) {
      return "topic name must not be empty";
    }
    if (topic.indexOf('+') >= 0 || topic.indexOf('#') >= 0) {
      return "topic name must not contain the wildcards '+' or '#'";
    }
    return checkCharacters(topic, "topic name");
  }

  /**
   * Checks a topic filter for subscribing, including {@code $share/<group>/<filter>}.
   *
   * @return null if valid, otherwise a plain-English reason
   */
  public static String validateFilter(String filter) {
    if (filter == null) {
      return "topic filter must not be null";
    }
    if (filter.isEmpty()) {
      return "topic filter must not be empty";
    }
    String reason = checkCharacters(filter, "topic filter");
    if (reason != null) {
      return reason;
    }
    if (!isShared(filter)) {
      return checkWildcards(filter);
    }
    int slash = filter.indexOf('/', SHARE_PREFIX.length());
    if (slash < 0) {
      return "shared subscription must have the form $share/<group>/<filter>";
    }
    if (slash == SHARE_PREFIX.length()) {
      return "shared subscription group must not be empty";
    }
    for (int i = SHARE_PREFIX.length(); i < slash; i++) {
      char c = filter.charAt(i);
      if (c == '+' || c == '#') {
        return "shared subscription group must not contain '+' or '#'";
      }
    }
    if (slash == filter.length() - 1) {
      return "shared subscription filter must not be empty";
    }
    return checkWildcards(filter.substring(slash + 1));
  }

  /** True if {@code filter} is a shared subscription {@code $share/<group>/<filter>}. */
  public static boolean isShared(String filter) {
    return filter.startsWith(SHARE_PREFIX);
  }

  /**
   * The group of a valid shared filter.
   *
   * @throws IllegalArgumentException if {@code sharedFilter} is not of the form
   *     {@code $share/<group>/<filter>}
   */
  public static String shareGroup(String sharedFilter) {
    return sharedFilter.substring(SHARE_PREFIX.length(), groupEnd(sharedFilter));
  }

  /**
   * The filter inside a valid shared filter, or {@code filter} itself if it is not shared.
   *
   * @throws IllegalArgumentException if {@code filter} starts with {@code $share/} but has no
   *     group separator
   */
  public static String unshared(String filter) {
    if (!isShared(filter)) {
      return filter;
    }
    return filter.substring(groupEnd(filter) + 1);
  }

  /**
   * True if the topic name matches the (non-shared) filter, with MQTT's rules: {@code +} one level,
   * {@code #} any remaining levels including none, and topics starting with {@code $} not matched by
   * a filter starting with a wildcard. Both arguments are assumed valid; a shared filter is compared
   * literally, so pass it through {@link #unshared} first.
   */
  public static boolean matches(String filter, String topic) {
    if (!topic.isEmpty() && topic.charAt(0) == '$'
        && !filter.isEmpty() && (filter.charAt(0) == '+' || filter.charAt(0) == '#')) {
      return false;
    }
    int filterLength = filter.length();
    int topicLength = topic.length();
    int f = 0; // start of the current filter level
    int t = 0; // start of the current topic level; topicLength + 1 once the topic is used up
    while (true) {
      int filterEnd = levelEnd(filter, f);
      if (filterEnd - f == 1 && filter.charAt(f) == '#') {
        return true;
      }
      if (t > topicLength) {
        return false; // more filter levels than topic levels, and this one is not '#'
      }
      int topicEnd = levelEnd(topic, t);
      boolean plus = filterEnd - f == 1 && filter.charAt(f) == '+';
      if (!plus && (filterEnd - f != topicEnd - t
          || !filter.regionMatches(f, topic, t, filterEnd - f))) {
        return false;
      }
      boolean filterDone = filterEnd == filterLength;
      boolean topicDone = topicEnd == topicLength;
      if (filterDone) {
        return topicDone;
      }
      f = filterEnd + 1;
      t = topicEnd + 1; // past the end when the topic is used up, so only '#' can match
    }
  }

  private static int levelEnd(String s, int start) {
    if (start >= s.length()) {
      return s.length();
    }
    int slash = s.indexOf('/', start);
    return slash < 0 ? s.length() : slash;
  }

  private static int groupEnd(String sharedFilter) {
    int slash = sharedFilter.startsWith(SHARE_PREFIX)
        ? sharedFilter.indexOf('/', SHARE_PREFIX.length()) : -1;
    if (slash < 0) {
      throw new IllegalArgumentException(
          "not a shared subscription $share/<group>/<filter>: " + sharedFilter);
    }
    return slash;
  }

  /** Checks NUL, unpaired surrogates (not encodable as UTF-8) and the encoded length. */
  private static String checkCharacters(String s, String what) {
    // Fewer than 21846 chars cannot exceed 65535 bytes (at most 3 bytes per char), but the loop
    // still has to look for NUL and surrogates, so count bytes as we go.
    long bytes = 0;
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        if (c == 0) {
          return what + " must not contain the null character U+0000";
        }
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c)) {
        if (i + 1 >= n || !Character.isLowSurrogate(s.charAt(i + 1))) {
          return what + " must not contain an unpaired surrogate character";
        }
        i++;
        bytes += 4;
      } else if (Character.isLowSurrogate(c)) {
        return what + " must not contain an unpaired surrogate character";
      } else {
        bytes += 3;
      }
    }
    if (bytes > MAX_LENGTH_BYTES) {
      return what + " must not be longer than " + MAX_LENGTH_BYTES + " UTF-8 bytes, was " + bytes;
    }
    return null;
  }

  /** Checks the placement of {@code +} and {@code #} in a non-shared, non-empty filter. */
  private static String checkWildcards(String filter) {
    int levelStart = 0;
    for (int i = 0, n = filter.length(); i < n; i++) {
      char c = filter.charAt(i);
      if (c == '/') {
        levelStart = i + 1;
      } else if (c == '+' || c == '#') {
        boolean wholeLevel = i == levelStart && (i + 1 == n || filter.charAt(i + 1) == '/');
        if (!wholeLevel) {
          return "'" + c + "' must occupy a whole level of a topic filter";
        }
        if (c == '#' && i + 1 != n) {
          return "'#' must be the last level of a topic filter";
        }
      }
    }
    return null;
  }
}
