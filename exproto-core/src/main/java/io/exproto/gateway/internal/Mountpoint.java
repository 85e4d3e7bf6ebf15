package io.exproto.gateway.internal;

import io.exproto.broker.Topics;

/**
 * A resolved mountpoint: a topic prefix added on the way into the broker and removed on the way
 * out. Immutable.
 */
final class Mountpoint {
  static final Mountpoint NONE = new Mountpoint("");

  private final String prefix;

  private Mountpoint(String prefix) {
    this.prefix = prefix;
  }

  /** Resolves {@code ${clientid}} and {@code ${username}} in a configured mountpoint. */
  static Mountpoint resolve(String template, String clientId, String username) {
    if (template.isEmpty()) {
      return NONE;
    }
    return new Mountpoint(template.replace("${clientid}", clientId)
        .replace("${username}", username));
  }

  String prefix() {
    return prefix;
  }

  boolean isEmpty() {
    return prefix.isEmpty();
  }

  /** The topic name as the broker sees it. */
  String mountName(String topic) {
    return prefix.isEmpty() ? topic : prefix + topic;
  }

  /** The filter as the broker sees it; a shared filter keeps its {@code $share/<group>/} in front. */
  String mountFilter(String filter) {
    if (prefix.isEmpty()) {
      return filter;
    }
    if (Topics.isShared(filter)) {
      String inner = Topics.unshared(filter);
      return filter.substring(0, filter.length() - inner.length()) + prefix + inner;
    }
    return prefix + filter;
  }

  /** The filter as the handler gave it: {@link #mountFilter} undone. */
  String unmountFilter(String mounted) {
    if (prefix.isEmpty()) {
      return mounted;
    }
    if (Topics.isShared(mounted)) {
      String inner = Topics.unshared(mounted);
      return mounted.substring(0, mounted.length() - inner.length()) + unmount(inner);
    }
    return unmount(mounted);
  }

  /** The topic as the handler sees it. */
  String unmount(String topic) {
    return !prefix.isEmpty() && topic.startsWith(prefix) ? topic.substring(prefix.length()) : topic;
  }
}
