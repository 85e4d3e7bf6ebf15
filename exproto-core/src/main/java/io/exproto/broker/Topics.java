package io.exproto.broker;

/**
 * MQTT topic rules: validation of topic names and filters, shared-subscription parsing, matching.
 * Stateless and thread-safe.
 */
public final class Topics {
  /** The prefix of a shared subscription: {@code $share/<group>/<filter>}. */
  public static final String SHARE_PREFIX = "$share/";

  private Topics() {}

  /**
   * Checks a topic name for publishing.
   *
   * @return null if valid, otherwise a plain-English reason (empty, contains a wildcard, contains
   *     NUL, longer than 65535 UTF-8 bytes)
   */
  public static String validateName(String topic) {
    throw new UnsupportedOperationException("TODO");
  }

  /**
   * Checks a topic filter for subscribing, including {@code $share/<group>/<filter>}.
   *
   * @return null if valid, otherwise a plain-English reason
   */
  public static String validateFilter(String filter) {
    throw new UnsupportedOperationException("TODO");
  }

  /** True if {@code filter} is a shared subscription {@code $share/<group>/<filter>}. */
  public static boolean isShared(String filter) {
    return filter.startsWith(SHARE_PREFIX);
  }

  /** The group of a valid shared filter. */
  public static String shareGroup(String sharedFilter) {
    throw new UnsupportedOperationException("TODO");
  }

  /** The filter inside a valid shared filter, or {@code filter} itself if it is not shared. */
  public static String unshared(String filter) {
    throw new UnsupportedOperationException("TODO");
  }

  /**
   * True if the topic name matches the (non-shared) filter, with MQTT's rules: {@code +} one level,
   * {@code #} any remaining levels including none, and topics starting with {@code $} not matched by
   * a filter starting with a wildcard.
   */
  public static boolean matches(String filter, String topic) {
    throw new UnsupportedOperationException("TODO");
  }
}
