package io.exproto.auth;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Decides whether a connection may authenticate with the given credentials. Called on a
 * connection's I/O thread: must not block; return a stage for slow checks. A stage completed
 * exceptionally, completed with null, or not completed within the gateway's {@code authTimeout}
 * counts as a denial. Not called for connections of a listener whose
 * {@link io.exproto.transport.TransportListener#authenticationEnabled()} is false: those are allowed
 * (not as superusers). Implementations must be thread-safe.
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
