package io.exproto.authz;

import io.exproto.auth.Authorizer.Action;
import io.exproto.auth.ClientIdentity;
import java.util.concurrent.CompletionStage;

/**
 * One source of an {@link AuthorizationService}: the {@code file} ACL, {@code http},
 * {@code postgresql}, or your own. Must not block; thread-safe. A stage that fails counts as
 * {@link AuthzResult#NOMATCH} (as a source error does in EMQX) and is logged.
 */
public interface AuthorizationSource extends AutoCloseable {

  /** EMQX's source type: {@code file}, {@code http}, {@code postgresql}; unique in a service. */
  String type();

  /** Decides on one Publish (topic name) or Subscribe (topic filter). */
  CompletionStage<AuthzResult> authorize(ClientIdentity client, Action action, String topic);

  /** Releases resources; called when the source leaves its service. */
  @Override
  default void close() {}
}
