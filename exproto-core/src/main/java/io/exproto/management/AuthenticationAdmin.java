package io.exproto.management;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Runtime management of authentication: the gateway's authenticator (or a listener's) and the
 * users of a built-in database, in the shapes of EMQX's gateway authentication API. An
 * authentication module implements it and gives it to {@code GatewayBuilder.authenticationAdmin};
 * a management layer (the standalone gateway's HTTP API) calls it. Without one, the gateway uses
 * {@link #notConfigured()}.
 *
 * <p>Configurations and users are plain JSON-like maps (String keys; values String, Number,
 * Boolean, List, Map or null) with EMQX's field names ({@code mechanism}, {@code backend},
 * {@code user_id}, {@code password}, {@code is_superuser}); a password is never returned.
 *
 * <p>{@code listenerId} is null for the gateway-wide authenticator, else a listener id such as
 * {@code exproto:tcp:default}. Failures complete the stage exceptionally:
 * {@link IllegalArgumentException} (bad input: 400), {@link java.util.NoSuchElementException}
 * (no such authenticator, user or listener: 404), {@link IllegalStateException} (already exists:
 * 409), {@link UnsupportedOperationException} (not possible here, e.g. users of an authenticator
 * that has none, or no authentication module: 501),
 * {@link java.util.concurrent.RejectedExecutionException} (too busy, or closing: 503).
 * Implementations are thread-safe and do not block the caller.
 */
public interface AuthenticationAdmin {

  /** The authenticator's configuration, or empty if none is configured. */
  CompletionStage<Optional<Map<String, Object>>> authenticator(String listenerId);

  /** Creates the authenticator; fails with IllegalStateException if one exists. */
  CompletionStage<Map<String, Object>> createAuthenticator(String listenerId,
      Map<String, Object> config);

  /** Replaces the authenticator's configuration; NoSuchElementException if none exists. */
  CompletionStage<Map<String, Object>> updateAuthenticator(String listenerId,
      Map<String, Object> config);

  /** Removes the authenticator; NoSuchElementException if none exists. */
  CompletionStage<Void> deleteAuthenticator(String listenerId);

  /**
   * A page of the authenticator's users (EMQX: {@code like_user_id} filter).
   *
   * @param likeUserId a substring of the user id, or null
   * @param page from 1
   * @param limit page size, 1 to 10000
   */
  CompletionStage<Page<Map<String, Object>>> users(String listenerId, String likeUserId,
      int page, int limit);

  /** One user; NoSuchElementException if unknown. */
  CompletionStage<Map<String, Object>> user(String listenerId, String userId);

  /** Adds a user ({@code user_id}, {@code password}, {@code is_superuser}). */
  CompletionStage<Map<String, Object>> createUser(String listenerId, Map<String, Object> user);

  /** Changes a user's password or {@code is_superuser}. */
  CompletionStage<Map<String, Object>> updateUser(String listenerId, String userId,
      Map<String, Object> user);

  /** Deletes a user; NoSuchElementException if unknown. */
  CompletionStage<Void> deleteUser(String listenerId, String userId);

  /**
   * What the gateway uses without an authentication module: no authenticator exists (so
   * {@link #authenticator} is empty and the gateway allows every client), and every change fails
   * with {@link UnsupportedOperationException} saying that an authentication module is needed.
   */
  static AuthenticationAdmin notConfigured() {
    return NotConfigured.INSTANCE;
  }

  /** The {@link #notConfigured()} implementation. */
  final class NotConfigured implements AuthenticationAdmin {
    static final NotConfigured INSTANCE = new NotConfigured();
    private static final String WHY = "authentication is not configured on this gateway:"
        + " authenticators and users are managed by an authentication module (exproto-auth)"
        + " given to GatewayBuilder.authenticationAdmin";

    private NotConfigured() {}

    private static <T> CompletionStage<T> unsupported() {
      return CompletableFuture.failedStage(new UnsupportedOperationException(WHY));
    }

    @Override
    public CompletionStage<Optional<Map<String, Object>>> authenticator(String listenerId) {
      return CompletableFuture.completedStage(Optional.empty());
    }

    @Override
    public CompletionStage<Map<String, Object>> createAuthenticator(String listenerId,
        Map<String, Object> config) {
      return unsupported();
    }

    @Override
    public CompletionStage<Map<String, Object>> updateAuthenticator(String listenerId,
        Map<String, Object> config) {
      return unsupported();
    }

    @Override
    public CompletionStage<Void> deleteAuthenticator(String listenerId) {
      return unsupported();
    }

    @Override
    public CompletionStage<Page<Map<String, Object>>> users(String listenerId, String likeUserId,
        int page, int limit) {
      return unsupported();
    }

    @Override
    public CompletionStage<Map<String, Object>> user(String listenerId, String userId) {
      return unsupported();
    }

    @Override
    public CompletionStage<Map<String, Object>> createUser(String listenerId,
        Map<String, Object> user) {
      return unsupported();
    }

    @Override
    public CompletionStage<Map<String, Object>> updateUser(String listenerId, String userId,
        Map<String, Object> user) {
      return unsupported();
    }

    @Override
    public CompletionStage<Void> deleteUser(String listenerId, String userId) {
      return unsupported();
    }
  }

}
