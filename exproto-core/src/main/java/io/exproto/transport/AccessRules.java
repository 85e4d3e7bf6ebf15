package io.exproto.transport;

import io.exproto.transport.internal.Cidr;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Which client addresses a listener accepts ({@code access_rules}, docs/configuration.md), in EMQX's syntax: each
 * rule is {@code allow} or {@code deny} followed by {@code all}, an IP address, or a CIDR block,
 * IPv4 or IPv6 (several may be given separated by commas, as EMQX allows). The first rule that
 * matches decides; an address no rule matches is allowed.
 *
 * <pre>{@code
 * AccessRules rules = AccessRules.parse(List.of(
 *     "allow 192.168.1.10",   // one host
 *     "deny 192.168.1.0/24",  // the rest of its network
 *     "deny 2001:db8::/32",
 *     "allow all"));
 * }</pre>
 *
 * <p>Addresses and blocks are read exactly as the gateway's ban list reads them ({@link
 * io.exproto.gateway.BanList#banAddress}), by the same parser:
 * <ul>
 *   <li>Literals only; a host name is an error, never looked up. IPv4 is four decimal octets
 *       0..255 without leading zeros ({@code 010.0.0.1} and {@code 10.1} are errors); IPv6 is
 *       written without brackets or zone ({@code %eth0}).
 *   <li>A prefix length is plain ASCII digits, 0..32 for IPv4 and 0..128 for IPv6.
 *   <li>A block with host bits set ({@code 10.1.2.3/8}) means its network ({@code 10.0.0.0/8}), as
 *       in EMQX.
 *   <li>An IPv4-mapped IPv6 address is IPv4: a client seen as {@code ::ffff:10.1.2.3} (an IPv4
 *       client on a dual-stack socket) matches {@code 10.0.0.0/8}, and the block {@code
 *       ::ffff:10.0.0.0/104} is {@code 10.0.0.0/8} (a mapped block needs a prefix of 96..128).
 *       Otherwise IPv4 rules never match IPv6 clients nor the reverse: {@code deny ::/0} denies
 *       IPv6 clients only, {@code deny 0.0.0.0/0} IPv4 clients only, {@code deny all} both.
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public final class AccessRules {

  private static final String SYNTAX = "must be 'allow|deny <ip|cidr|all>'";
  private static final AccessRules ALLOW_ALL = new AccessRules(List.of(), new Rule[0]);

  private final List<String> texts;
  private final Rule[] rules;

  private AccessRules(List<String> texts, Rule[] rules) {
    this.texts = texts;
    this.rules = rules;
  }

  /** No rules: every address is allowed. The default of a listener. */
  public static AccessRules allowAll() {
    return ALLOW_ALL;
  }

  /**
   * Parses rules such as {@code "deny 10.0.0.0/8"}, {@code "allow 192.168.1.10"}, {@code "allow
   * ::1"} or {@code "allow all"}, in order. Keywords are case-insensitive; surrounding whitespace
   * is ignored. An empty list allows every address.
   *
   * @throws IllegalArgumentException naming the first rule that cannot be parsed, and why: {@code
   *     access rule 'deny 10.0.0.0/33': invalid CIDR '10.0.0.0/33': prefix must be 0..32 for IPv4}
   *     (after the rule, the ban list's message for the same block), or {@code access rule 'allow'
   *     must be 'allow|deny <ip|cidr|all>'}
   * @throws NullPointerException if {@code rules} is null
   */
  public static AccessRules parse(List<String> rules) {
    Objects.requireNonNull(rules, "access rules must not be null; use an empty list to allow all");
    List<String> texts = new ArrayList<>(rules.size());
    Rule[] parsed = new Rule[rules.size()];
    for (int i = 0; i < rules.size(); i++) {
      String text = rules.get(i);
      if (text == null) {
        throw new IllegalArgumentException("access rule " + (i + 1) + " of " + rules.size()
            + " is null; each rule " + SYNTAX);
      }
      parsed[i] = Rule.parse(text);
      texts.add(text.strip());
    }
    return parsed.length == 0 ? ALLOW_ALL : new AccessRules(List.copyOf(texts), parsed);
  }

  /**
   * Whether a client at {@code address} may connect: the verdict of the first rule that matches
   * it, or true if none does.
   */
  public boolean allows(InetAddress address) {
    Objects.requireNonNull(address, "address");
    if (rules.length == 0) {
      return true;
    }
    for (Rule rule : rules) {
      if (rule.matches(address)) {
        return rule.allow;
      }
    }
    return true;
  }

  /** The rules as given (without surrounding whitespace), in order; empty for {@link #allowAll}. */
  public List<String> rules() {
    return texts;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AccessRules other && texts.equals(other.texts);
  }

  @Override
  public int hashCode() {
    return texts.hashCode();
  }

  /** E.g. {@code [deny 10.0.0.0/8, allow all]}. */
  @Override
  public String toString() {
    return texts.toString();
  }

  /** One parsed rule: a verdict and the blocks it covers (a null block matches any address). */
  private static final class Rule {
    final boolean allow;
    final Cidr[] blocks;

    private Rule(boolean allow, Cidr[] blocks) {
      this.allow = allow;
      this.blocks = blocks;
    }

    static Rule parse(String text) {
      String rule = text.strip();
      String[] words = rule.split("\\s+", 2);
      if (words.length != 2) {
        throw invalid(text, null);
      }
      boolean allow;
      switch (words[0].toLowerCase(Locale.ROOT)) {
        case "allow" -> allow = true;
        case "deny" -> allow = false;
        default -> throw invalid(text, "'" + words[0] + "' is neither allow nor deny");
      }
      String[] targets = words[1].split(",", -1);
      Cidr[] blocks = new Cidr[targets.length];
      for (int i = 0; i < targets.length; i++) {
        String target = targets[i].strip();
        if (target.isEmpty() || target.chars().anyMatch(Character::isWhitespace)) {
          throw invalid(text, null);
        }
        if (target.equalsIgnoreCase("all")) {
          continue; // null: any address
        }
        try {
          blocks[i] = Cidr.parse(target);
        } catch (IllegalArgumentException e) {
          // Cidr's message names the block and what is wrong, in the ban list's words.
          throw new IllegalArgumentException("access rule '" + text + "': " + e.getMessage(), e);
        }
      }
      return new Rule(allow, blocks);
    }

    boolean matches(InetAddress address) {
      for (Cidr block : blocks) {
        if (block == null || block.contains(address)) {
          return true;
        }
      }
      return false;
    }

    private static IllegalArgumentException invalid(String text, String why) {
      return new IllegalArgumentException("access rule '" + text + "' " + SYNTAX
          + (why == null ? "" : ": " + why));
    }
  }
}
