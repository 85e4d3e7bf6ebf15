package io.exproto.auth;

import java.time.Instant;
import java.util.Objects;

/**
 * An {@link Authenticator}'s decision: allow (optionally as a superuser, optionally until an
 * expiry), or deny with a reason. Immutable.
 */
public final class AuthResult {
  private static final AuthResult ALLOW = new AuthResult(true, "", null, false);
  private static final AuthResult ALLOW_SUPERUSER = new AuthResult(true, "", null, true);

  private final boolean allowed;
  private final String reason;
  private final Instant expiresAt;
  private final boolean superuser;

  private AuthResult(boolean allowed, String reason, Instant expiresAt, boolean superuser) {
    this.allowed = allowed;
    this.reason = reason;
    this.expiresAt = expiresAt;
    this.superuser = superuser;
  }

  /** Allow, without expiry. */
  public static AuthResult allow() {
    return ALLOW;
  }

  /** Allow until {@code expiresAt}; the connection is then closed with {@code {shutdown,expired}}. */
  public static AuthResult allowUntil(Instant expiresAt) {
    return new AuthResult(true, "", Objects.requireNonNull(expiresAt, "expiresAt"), false);
  }

  /**
   * Allow, as EMQX's authenticators answer: a superuser skips authorization (every Publish and
   * Subscribe is allowed without asking the {@link Authorizer}); a non-null {@code expiresAt}
   * closes the connection then with {@code {shutdown,expired}}.
   *
   * @param superuser true to skip authorization for this client
   * @param expiresAt when the authentication expires, or null for never
   */
  public static AuthResult allow(boolean superuser, Instant expiresAt) {
    if (expiresAt == null) {
      return superuser ? ALLOW_SUPERUSER : ALLOW;
    }
    return new AuthResult(true, "", expiresAt, superuser);
  }

  /** Deny; {@code reason} is returned to the handler as the message of PERMISSION_DENY. */
  public static AuthResult deny(String reason) {
    Objects.requireNonNull(reason, "reason");
    return new AuthResult(false, reason.isEmpty() ? "Authentication denied" : reason, null,
        false);
  }

  /** True if allowed. */
  public boolean allowed() {
    return allowed;
  }

  /** True if allowed as a superuser: authorization is skipped for this client. */
  public boolean superuser() {
    return superuser;
  }

  /** The reason for a denial; empty when allowed. */
  public String reason() {
    return reason;
  }

  /** When the authentication expires, or null for never. */
  public Instant expiresAt() {
    return expiresAt;
  }

  @Override
  public String toString() {
    return allowed ? "allow" + (superuser ? " (superuser)" : "") + (expiresAt == null ? "" : " until " + expiresAt) : "deny: " + reason;
  }
}
