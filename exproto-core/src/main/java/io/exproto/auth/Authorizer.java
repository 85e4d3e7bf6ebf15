package io.exproto.auth;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Decides whether an authenticated client may publish to or subscribe to a topic. Checked on every
 * Publish and Subscribe against the topic as the handler gave it (without mountpoint), except for
 * clients authenticated as superusers ({@link AuthResult#superuser()}).
 *
 * <p>Called on a connection's I/O thread: must not block. Remote sources return a stage that
 * completes later; a connection's checks are made one after another, so a connection's Publish and
 * Subscribe calls keep their order. A stage that completes exceptionally, completes with null, or
 * does not complete within the gateway's {@code authTimeout} counts as {@link Decision#DENY} and is
 * logged. Implementations must be thread-safe: many connections call at once.
 *
 * <p>A synchronous check is adapted with {@link #sync(Check)}.
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

  /** What the engine does with a Publish or Subscribe. */
  enum Decision {
    /** Go ahead. */
    ALLOW,
    /** Answer PERMISSION_DENY ("Authorization deny"); the connection stays open. */
    DENY,
    /**
     * Answer PERMISSION_DENY and close the connection with {@code {shutdown,not_authorized}}
     * (EMQX's {@code deny_action = disconnect}).
     */
    DISCONNECT;

    private static final CompletionStage<Decision> ALLOW_STAGE =
        CompletableFuture.completedStage(ALLOW);
    private static final CompletionStage<Decision> DENY_STAGE =
        CompletableFuture.completedStage(DENY);

    /** A completed stage of ALLOW or DENY, shared (no allocation per check). */
    public static CompletionStage<Decision> of(boolean allowed) {
      return allowed ? ALLOW_STAGE : DENY_STAGE;
    }
  }

  /** A synchronous check, adapted to an {@link Authorizer} by {@link #sync(Check)}. */
  @FunctionalInterface
  interface Check {
    /** True to allow; must be fast and must not block. */
    boolean allowed(ClientIdentity client, Action action, String topic);
  }

  /**
   * Decides on one Publish ({@code topic} is a topic name) or Subscribe ({@code topic} is a
   * filter).
   */
  CompletionStage<Decision> authorize(ClientIdentity client, Action action, String topic);

  /** An authorizer that allows everything: the default. */
  static Authorizer allowAll() {
    CompletionStage<Decision> allow = Decision.of(true);
    return (client, action, topic) -> allow;
  }

  /**
   * Adapts a synchronous check: true is {@link Decision#ALLOW}, false {@link Decision#DENY}; an
   * exception it throws counts as a denial.
   */
  static Authorizer sync(Check check) {
    Objects.requireNonNull(check, "check");
    return (client, action, topic) -> Decision.of(check.allowed(client, action, topic));
  }
}
