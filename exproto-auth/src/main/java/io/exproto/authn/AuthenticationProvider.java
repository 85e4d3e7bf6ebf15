package io.exproto.authn;

import io.exproto.auth.Credentials;
import java.util.concurrent.CompletionStage;

/**
 * One authenticator of an {@link AuthenticationChain}: built-in database, http, jwt, postgresql,
 * or your own. Called on a connection's I/O thread: must not block (run blocking work on an
 * executor of your own and return its stage). Thread-safe. A stage that fails counts as
 * {@link AuthnOutcome.Kind#IGNORE}.
 */
public interface AuthenticationProvider extends AutoCloseable {

  /**
   * The id, as EMQX names authenticators: {@code password_based:built_in_database},
   * {@code password_based:http}, {@code password_based:postgresql}, {@code jwt}. Unique in a
   * chain.
   */
  String id();

  /** Decides on {@code credentials}. */
  CompletionStage<AuthnOutcome> authenticate(Credentials credentials);

  /** Releases pools, threads and files; called when the provider leaves its chain. */
  @Override
  default void close() {}
}
