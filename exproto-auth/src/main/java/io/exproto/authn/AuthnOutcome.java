package io.exproto.authn;

import java.time.Instant;
import java.util.Objects;

/**
 * What one authenticator of an {@link AuthenticationChain} answers: allow (with
 * {@code is_superuser} and an optional {@code expire_at}), deny with a reason, or ignore (let the
 * next authenticator decide). Immutable.
 */
public final class AuthnOutcome {
  /** The three answers. */
  public enum Kind {
    /** Authenticated: the chain stops here. */
    ALLOW,
    /** Refused: the chain stops here. */
    DENY,
    /** No opinion (user unknown, backend unavailable): the next authenticator decides. */
    IGNORE
  }

  private static final AuthnOutcome ALLOW = new AuthnOutcome(Kind.ALLOW, false, null, "");
  private static final AuthnOutcome SUPERUSER = new AuthnOutcome(Kind.ALLOW, true, null, "");

  private final Kind kind;
  private final boolean superuser;
  private final Instant expireAt;
  private final String reason;

  private AuthnOutcome(Kind kind, boolean superuser, Instant expireAt, String reason) {
    this.kind = kind;
    this.superuser = superuser;
    this.expireAt = expireAt;
    this.reason = reason;
  }

  /** Allow; {@code expireAt} may be null (never). */
  public static AuthnOutcome allow(boolean superuser, Instant expireAt) {
    if (expireAt == null) {
      return superuser ? SUPERUSER : ALLOW;
    }
    return new AuthnOutcome(Kind.ALLOW, superuser, expireAt, "");
  }

  /** Deny; {@code reason} is what the handler reads in PERMISSION_DENY. */
  public static AuthnOutcome deny(String reason) {
    return new AuthnOutcome(Kind.DENY, false, null, Objects.requireNonNull(reason, "reason"));
  }

  /** Ignore; {@code why} is for logs only. */
  public static AuthnOutcome ignore(String why) {
    return new AuthnOutcome(Kind.IGNORE, false, null, Objects.requireNonNull(why, "why"));
  }

  /** The kind of answer. */
  public Kind kind() {
    return kind;
  }

  /** True for an allow as superuser. */
  public boolean superuser() {
    return superuser;
  }

  /** The expiry of an allow, or null. */
  public Instant expireAt() {
    return expireAt;
  }

  /** The reason of a deny, or why an authenticator ignored; empty for allow. */
  public String reason() {
    return reason;
  }

  @Override
  public String toString() {
    return switch (kind) {
      case ALLOW -> "allow" + (superuser ? " (superuser)" : "")
          + (expireAt == null ? "" : " until " + expireAt);
      case DENY -> "deny: " + reason;
      case IGNORE -> "ignore: " + reason;
    };
  }
}
