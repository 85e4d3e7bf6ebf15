package io.exproto.authz;

import io.exproto.auth.Authorizer.Action;
import io.exproto.auth.ClientIdentity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * EMQX's {@code file} authorization source: the rules of an {@code acl.conf} (see {@link AclRule}),
 * checked in order; the first rule that matches decides; none = {@link AuthzResult#NOMATCH}.
 * Checked inline (no I/O). Immutable and thread-safe.
 */
public final class AclFile implements AuthorizationSource {
  private static final CompletionStage<AuthzResult> ALLOW =
      CompletableFuture.completedStage(AuthzResult.ALLOW);
  private static final CompletionStage<AuthzResult> DENY =
      CompletableFuture.completedStage(AuthzResult.DENY);
  private static final CompletionStage<AuthzResult> NOMATCH =
      CompletableFuture.completedStage(AuthzResult.NOMATCH);

  private final List<AclRule> rules;

  private AclFile(List<AclRule> rules) {
    this.rules = List.copyOf(rules);
  }

  /**
   * Reads {@code path}.
   *
   * @throws IllegalArgumentException if it cannot be read or a rule is malformed (naming the line)
   */
  public static AclFile load(Path path) {
    String text;
    try {
      text = Files.readString(path, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read ACL file " + path + ": " + e, e);
    }
    return new AclFile(AclRule.parseAll(text, path.toString()));
  }

  /** Parses rules given as text (EMQX's {@code rules = "..."}). */
  public static AclFile of(String rules, String source) {
    return new AclFile(AclRule.parseAll(rules, source));
  }

  /** The rules, in order. */
  public List<AclRule> rules() {
    return rules;
  }

  @Override
  public String type() {
    return "file";
  }

  /** The first matching rule's answer, synchronously. */
  public AuthzResult check(ClientIdentity client, Action action, String topic) {
    for (AclRule r : rules) {
      if (r.matches(client, action, topic)) {
        return r.allow() ? AuthzResult.ALLOW : AuthzResult.DENY;
      }
    }
    return AuthzResult.NOMATCH;
  }

  @Override
  public CompletionStage<AuthzResult> authorize(ClientIdentity client, Action action,
      String topic) {
    return switch (check(client, action, topic)) {
      case ALLOW -> ALLOW;
      case DENY -> DENY;
      default -> NOMATCH;
    };
  }
}
