package io.exproto.auth;

/**
 * Decides whether an authenticated client may publish to or subscribe to a topic. Checked on every
 * Publish and Subscribe against the topic as the handler gave it (without mountpoint). Called on a
 * connection's I/O thread: must be fast and must not block (cache remote decisions).
 */
@FunctionalInterface
public interface Authorizer {

  /** The operations that are authorized. */
  enum Action {
    /** Publish to a topic name. */
    PUBLISH,
    /** Subscribe to a topic filter. */
    SUBSCRIBE
  }

  /** True to allow. */
  boolean authorize(ClientIdentity client, Action action, String topic);

  /** An authorizer that allows everything: the default. */
  static Authorizer allowAll() {
    return (client, action, topic) -> true;
  }
}
