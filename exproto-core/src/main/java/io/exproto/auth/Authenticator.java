package io.exproto.auth;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Decides whether a connection may authenticate with the given credentials. Called on a
 * connection's I/O thread: must not block; return a stage for slow checks. A stage completed
 * exceptionally counts as a denial.
 */
@FunctionalInterface
public interface Authenticator {

  /** Decides on {@code credentials}. */
  CompletionStage<AuthResult> authenticate(Credentials credentials);

  /** An authenticator that allows everyone: the default. */
  static Authenticator allowAll() {
    CompletionStage<AuthResult> allow = CompletableFuture.completedStage(AuthResult.allow());
    return credentials -> allow;
  }
}
