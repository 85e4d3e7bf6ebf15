package io.exproto.auth;

import java.time.Instant;
import java.util.Objects;

/** An {@link Authenticator}'s decision: allow (optionally until an expiry), or deny with a reason. */
public final class AuthResult {
  private static final AuthResult ALLOW = new AuthResult(true, "", null);

  private final boolean allowed;
  private final String reason;
  private final Instant expiresAt;

  private AuthResult(boolean allowed, String reason, Instant expiresAt) {
    this.allowed = allowed;
    this.reason = reason;
    this.expiresAt = expiresAt;
  }

  /** Allow, without expiry. */
  public static AuthResult allow() {
    return ALLOW;
  }

  /** Allow until {@code expiresAt}; the connection is then closed with {@code {shutdown,expired}}. */
  public static AuthResult allowUntil(Instant expiresAt) {
    return new AuthResult(true, "", Objects.requireNonNull(expiresAt, "expiresAt"));
  }

  /** Deny; {@code reason} is returned to the handler as the message of PERMISSION_DENY. */
  public static AuthResult deny(String reason) {
    Objects.requireNonNull(reason, "reason");
    return new AuthResult(false, reason.isEmpty() ? "Authentication denied" : reason, null);
  }

  /** True if allowed. */
  public boolean allowed() {
    return allowed;
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
    return allowed ? "allow" + (expiresAt == null ? "" : " until " + expiresAt) : "deny: " + reason;
  }
}
