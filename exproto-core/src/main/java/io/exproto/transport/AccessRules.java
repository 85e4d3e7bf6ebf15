package io.exproto.transport;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Which client addresses a listener accepts (SPEC B8 {@code access_rules}), in EMQX's syntax: each
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
 * <p>Addresses are literals only; a host name is an error, never looked up. A CIDR block with host
 * bits set ({@code 10.1.2.3/8}) means its network ({@code 10.0.0.0/8}), as in EMQX. An IPv4 client
 * seen as an IPv4-mapped IPv6 address ({@code ::ffff:10.1.2.3}, on a dual-stack socket) matches
 * IPv4 rules.
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
   * @throws IllegalArgumentException naming the first rule that cannot be parsed, and why
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
    byte[] bytes = unmapIpv4(address.getAddress());
    for (Rule rule : rules) {
      if (rule.matches(bytes)) {
        return rule.allow;
      }
    }
    return true;
  }

  /** The rules as given (without surrounding whitespace), in order; empty for {@link #allowAll}. */
  public List<String> rules() {
    return texts;
  }

  /** An IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d}) as its 4 IPv4 bytes; others as given. */
  private static byte[] unmapIpv4(byte[] bytes) {
    return isIpv4Mapped(bytes) ? new byte[] {bytes[12], bytes[13], bytes[14], bytes[15]} : bytes;
  }

  private static boolean isIpv4Mapped(byte[] bytes) {
    if (bytes.length != 16 || bytes[10] != (byte) 0xff || bytes[11] != (byte) 0xff) {
      return false;
    }
    for (int i = 0; i < 10; i++) {
      if (bytes[i] != 0) {
        return false;
      }
    }
    return true;
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

  /** One parsed rule: a verdict and the networks it covers (a null network matches any address). */
  private static final class Rule {
    final boolean allow;
    final byte[][] networks;
    final int[] prefixes;

    private Rule(boolean allow, byte[][] networks, int[] prefixes) {
      this.allow = allow;
      this.networks = networks;
      this.prefixes = prefixes;
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
      byte[][] networks = new byte[targets.length][];
      int[] prefixes = new int[targets.length];
      for (int i = 0; i < targets.length; i++) {
        String target = targets[i].strip();
        if (target.isEmpty() || target.chars().anyMatch(Character::isWhitespace)) {
          throw invalid(text, null);
        }
        if (target.equalsIgnoreCase("all")) {
          networks[i] = null;
          continue;
        }
        int slash = target.indexOf('/');
        String ip = slash < 0 ? target : target.substring(0, slash);
        byte[] network = parseAddress(text, ip);
        int prefix = network.length * 8;
        if (slash >= 0) {
          prefix = parsePrefix(text, target.substring(slash + 1), network.length * 8,
              ip.indexOf(':') >= 0);
        }
        mask(network, prefix);
        if (prefix >= 96 && isIpv4Mapped(network)) {
          // ::ffff:10.0.0.0/104 is 10.0.0.0/8, and clients are unmapped the same way in allows().
          network = unmapIpv4(network);
          prefix -= 96;
        }
        networks[i] = network;
        prefixes[i] = prefix;
      }
      return new Rule(allow, networks, prefixes);
    }

    boolean matches(byte[] address) {
      for (int i = 0; i < networks.length; i++) {
        byte[] network = networks[i];
        if (network == null || (network.length == address.length
            && samePrefix(network, address, prefixes[i]))) {
          return true;
        }
      }
      return false;
    }

    private static boolean samePrefix(byte[] network, byte[] address, int prefix) {
      int whole = prefix / 8;
      for (int i = 0; i < whole; i++) {
        if (network[i] != address[i]) {
          return false;
        }
      }
      int bits = prefix % 8;
      if (bits == 0) {
        return true;
      }
      int mask = (0xff << (8 - bits)) & 0xff;
      return (network[whole] & mask) == (address[whole] & mask);
    }

    private static void mask(byte[] network, int prefix) {
      for (int bit = prefix; bit < network.length * 8; bit++) {
        network[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
      }
    }

    /**
     * An address literal as 4 or 16 bytes. IPv4 is parsed here (the JDK also takes forms like
     * {@code 10.1} that nobody means in a rule); IPv6 by the JDK, which never resolves a string
     * that contains a colon.
     */
    private static byte[] parseAddress(String text, String ip) {
      if (ip.indexOf(':') < 0) {
        byte[] v4 = parseIpv4(ip);
        if (v4 == null) {
          throw invalid(text, "'" + ip + "' is not an IPv4 or IPv6 address");
        }
        return v4;
      }
      for (int i = 0; i < ip.length(); i++) {
        char c = ip.charAt(i);
        if (Character.digit(c, 16) < 0 && c != ':' && c != '.') {
          throw invalid(text, "'" + ip + "' is not an IPv4 or IPv6 address");
        }
      }
      try {
        InetAddress address = InetAddress.getByName(ip);
        // The JDK turns ::ffff:a.b.c.d into an Inet4Address; keep the 16 bytes the prefix counts.
        return address instanceof Inet4Address ? mapped(address.getAddress()) : address.getAddress();
      } catch (UnknownHostException e) {
        throw invalid(text, "'" + ip + "' is not an IPv4 or IPv6 address");
      }
    }

    private static byte[] mapped(byte[] v4) {
      byte[] v6 = new byte[16];
      v6[10] = (byte) 0xff;
      v6[11] = (byte) 0xff;
      System.arraycopy(v4, 0, v6, 12, 4);
      return v6;
    }

    private static byte[] parseIpv4(String ip) {
      String[] parts = ip.split("\\.", -1);
      if (parts.length != 4) {
        return null;
      }
      byte[] bytes = new byte[4];
      for (int i = 0; i < 4; i++) {
        String part = parts[i];
        if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(c -> c >= '0' && c <= '9')) {
          return null;
        }
        int value = Integer.parseInt(part);
        if (value > 255) {
          return null;
        }
        bytes[i] = (byte) value;
      }
      return bytes;
    }

    private static int parsePrefix(String text, String prefix, int maxBits, boolean ipv6) {
      if (prefix.isEmpty() || prefix.length() > 3
          || !prefix.chars().allMatch(c -> c >= '0' && c <= '9')) {
        throw invalid(text, "prefix length '" + prefix + "' is not a number");
      }
      int bits = Integer.parseInt(prefix);
      if (bits > maxBits) {
        throw invalid(text, "prefix length " + bits + " is out of range for "
            + (ipv6 ? "IPv6 (0-128)" : "IPv4 (0-32)"));
      }
      return bits;
    }

    private static IllegalArgumentException invalid(String text, String why) {
      return new IllegalArgumentException("access rule '" + text + "' " + SYNTAX
          + (why == null ? "" : ": " + why));
    }
  }
}
