package io.exproto.transport.internal;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An IPv4 or IPv6 address block such as {@code 10.0.0.0/8} or {@code 2001:db8::/32}, or a single
 * address ({@code 192.0.2.7} is {@code 192.0.2.7/32}, {@code ::1} is {@code ::1/128}). The one
 * parser and matcher behind both the gateway's {@link io.exproto.gateway.BanList} and a listener's
 * {@link io.exproto.transport.AccessRules}, so the two read a block and match a client the same
 * way. Immutable and thread-safe. Internal: not part of the public API.
 *
 * <p>What {@link #parse} accepts:
 * <ul>
 *   <li><b>Literal addresses only.</b> The text is parsed here, character by character, and never
 *       handed to {@code InetAddress.getByName}, which looks up anything it does not take for a
 *       literal (even {@code ".:1"}). So a host name is an error, never a DNS query. IPv4 is four
 *       dotted decimal octets 0..255 without leading zeros ({@code 010.0.0.1} is refused, as other
 *       tools read it as octal {@code 8.0.0.1}; short forms such as {@code 10.1} are refused too).
 *       IPv6 is the RFC 4291 text form, with {@code ::} and a dotted IPv4 tail allowed, but without
 *       brackets or a zone ({@code %eth0}). Digits are ASCII only ({@code 0-9}, and {@code a-f}
 *       or {@code A-F} in IPv6); other scripts' digits are refused.
 *   <li><b>Prefix length:</b> plain ASCII decimal digits, no sign and no leading zero, 0..32 for
 *       IPv4 and 0..128 for IPv6; without {@code /prefix} the block is the single address.
 *   <li><b>Host bits are masked, not refused:</b> {@code 10.1.2.3/8} is the block
 *       {@code 10.0.0.0/8} (equal to it, same {@link #toString}), as in EMQX and as
 *       {@link io.exproto.gateway.BanList#unbanAddress} documents.
 *   <li>Surrounding whitespace is ignored; whitespace inside is an error.
 * </ul>
 *
 * <p><b>IPv4-mapped IPv6 addresses are IPv4.</b> A dual-stack socket reports an IPv4 client as
 * {@code ::ffff:a.b.c.d}; that client is matched as {@code a.b.c.d}, so {@code 10.0.0.0/8} covers
 * {@code ::ffff:10.1.2.3}. Likewise a block written in mapped form is the IPv4 block it maps:
 * {@code ::ffff:10.0.0.0/104} is {@code 10.0.0.0/8}. Such a block needs a prefix of 96..128, since
 * one shorter (say {@code ::ffff:0:0/80}) would span IPv6 addresses and all of IPv4 at once: that
 * is refused rather than guessed at. Otherwise IPv4 and IPv6 blocks never match each other's addresses: neither
 * {@code 0.0.0.0/0} matches {@code ::1} nor {@code ::/0} an IPv4 client, mapped or not.
 *
 * <p>Errors are {@link IllegalArgumentException}s in one format that names the input and says what
 * is wrong, e.g. {@code invalid CIDR '10.0.0.0/33': prefix must be 0..32 for IPv4}.
 */
public final class Cidr {
  private static final int MAPPED_PREFIX_BITS = 96;

  /** 4 bytes for an IPv4 block (mapped ones included), 16 for IPv6; host bits cleared. */
  private final byte[] network;
  private final int prefix;

  private Cidr(byte[] network, int prefix) {
    this.network = network;
    this.prefix = prefix;
  }

  /**
   * Parses {@code ip} or {@code ip/prefix}, as described in the class documentation.
   *
   * @throws IllegalArgumentException {@code invalid CIDR '<text>': <what is wrong>}, also for null
   */
  public static Cidr parse(String text) {
    if (text == null || text.isBlank()) {
      throw invalid(text, "an IP address or CIDR block is required");
    }
    String s = text.strip();
    if (s.chars().anyMatch(Character::isWhitespace)) {
      throw invalid(text, "whitespace inside an address or CIDR block");
    }
    int slash = s.indexOf('/');
    String addr = slash < 0 ? s : s.substring(0, slash);
    byte[] bytes = parseAddress(text, addr);
    int bits = bytes.length * 8;
    boolean mapped = isIpv4Mapped(bytes);
    int prefix = bits;
    if (slash >= 0) {
      prefix = parsePrefix(text, s.substring(slash + 1));
      if (mapped && (prefix < MAPPED_PREFIX_BITS || prefix > bits)) {
        throw invalid(text, "prefix must be 96..128 for an IPv4-mapped IPv6 address");
      }
      if (prefix > bits) {
        throw invalid(text, "prefix must be 0.." + bits + " for " + (bits == 32 ? "IPv4" : "IPv6"));
      }
    }
    if (mapped) {
      bytes = Arrays.copyOfRange(bytes, 12, 16);
      prefix -= MAPPED_PREFIX_BITS;
    }
    for (int bit = prefix; bit < bytes.length * 8; bit++) {
      bytes[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
    }
    return new Cidr(bytes, prefix);
  }

  /**
   * True if {@code address} lies in this block. An IPv4-mapped IPv6 address is taken as the IPv4
   * address it maps; otherwise an IPv4 block never contains an IPv6 address, nor the reverse.
   * False for null.
   */
  public boolean contains(InetAddress address) {
    if (address == null) {
      return false;
    }
    byte[] a = address.getAddress();
    if (isIpv4Mapped(a)) {
      a = Arrays.copyOfRange(a, 12, 16);
    }
    if (a.length != network.length) {
      return false;
    }
    int whole = prefix / 8;
    for (int i = 0; i < whole; i++) {
      if (a[i] != network[i]) {
        return false;
      }
    }
    int rest = prefix % 8;
    int mask = (0xff << (8 - rest)) & 0xff;
    return rest == 0 || (a[whole] & mask) == (network[whole] & 0xff);
  }

  /**
   * The normalized form {@code network/prefix}, host bits cleared, IPv4-mapped blocks as IPv4, IPv6
   * in the JDK's text form: {@code 10.0.0.0/8}, {@code fd00:0:0:0:0:0:0:0/8}.
   */
  @Override
  public String toString() {
    try {
      InetAddress host = network.length == 4
          ? InetAddress.getByAddress(network)
          : Inet6Address.getByAddress(null, network, -1); // kept IPv6 whatever its bytes
      return host.getHostAddress() + "/" + prefix;
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e); // only for a wrong length, which cannot happen
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cidr c && c.prefix == prefix && Arrays.equals(c.network, network);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(network) * 31 + prefix;
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

  /** The 4 or 16 bytes of an address literal, as written (a mapped address stays 16 bytes). */
  private static byte[] parseAddress(String text, String addr) {
    if (addr.indexOf(':') >= 0) {
      byte[] v6 = parseIpv6(addr);
      if (v6 == null) {
        throw invalid(text, "'" + addr + "' is not an IPv6 address (brackets and zones such as"
            + " %eth0 are not accepted)");
      }
      return v6;
    }
    byte[] v4 = parseIpv4(addr);
    if (v4 != null) {
      return v4;
    }
    if (!addr.isEmpty() && addr.chars().allMatch(c -> c == '.' || isAsciiDigit(c))) {
      throw invalid(text, "an IPv4 address is four decimal octets 0..255 without leading zeros");
    }
    throw invalid(text, "not an IP address literal; use e.g. 192.0.2.7, 10.0.0.0/8 or"
        + " 2001:db8::/32 (host names are not accepted)");
  }

  /**
   * A prefix length: ASCII decimal digits, no sign, no leading zero. The caller checks the range;
   * more than 3 digits is out of any range, so it is returned as {@link Integer#MAX_VALUE}.
   */
  private static int parsePrefix(String text, String digits) {
    if (digits.isEmpty()) {
      throw invalid(text, "prefix length missing after '/'");
    }
    if (!digits.chars().allMatch(Cidr::isAsciiDigit)
        || (digits.length() > 1 && digits.charAt(0) == '0')) {
      throw invalid(text, "prefix '" + digits + "' is not a plain decimal number (ASCII digits,"
          + " no sign, no leading zero)");
    }
    return digits.length() > 3 ? Integer.MAX_VALUE : Integer.parseInt(digits);
  }

  private static boolean isAsciiDigit(int c) {
    return c >= '0' && c <= '9';
  }

  private static int asciiHexDigit(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  /** {@code a.b.c.d}, each 0..255 in decimal without leading zeros; else null. */
  private static byte[] parseIpv4(String s) {
    String[] parts = s.split("\\.", -1);
    if (parts.length != 4) {
      return null;
    }
    byte[] bytes = new byte[4];
    for (int i = 0; i < 4; i++) {
      String part = parts[i];
      if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Cidr::isAsciiDigit)
          || (part.length() > 1 && part.charAt(0) == '0')) {
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

  /**
   * RFC 4291 section 2.2 text: eight groups of 1..4 hex digits, {@code ::} once for one or more
   * zero groups, the last two groups optionally a dotted IPv4 address; else null.
   */
  private static byte[] parseIpv6(String s) {
    int gap = s.indexOf("::");
    if (gap >= 0 && s.indexOf("::", gap + 1) >= 0) {
      return null; // two gaps, or ":::"
    }
    int[] head = groups(gap < 0 ? s : s.substring(0, gap), gap < 0);
    int[] tail = gap < 0 ? new int[0] : groups(s.substring(gap + 2), true);
    if (head == null || tail == null) {
      return null;
    }
    int count = head.length + tail.length;
    if (gap < 0 ? count != 8 : count > 7) {
      return null;
    }
    byte[] bytes = new byte[16];
    for (int i = 0; i < head.length; i++) {
      bytes[2 * i] = (byte) (head[i] >>> 8);
      bytes[2 * i + 1] = (byte) head[i];
    }
    for (int i = 0; i < tail.length; i++) {
      int at = 16 - 2 * (tail.length - i);
      bytes[at] = (byte) (tail[i] >>> 8);
      bytes[at + 1] = (byte) tail[i];
    }
    return bytes;
  }

  /**
   * Colon-separated 16-bit groups ("" is none); when {@code last}, the final one may be a dotted
   * IPv4 address, giving two groups. Null if malformed.
   */
  private static int[] groups(String s, boolean last) {
    if (s.isEmpty()) {
      return new int[0];
    }
    String[] parts = s.split(":", -1);
    String lastPart = parts[parts.length - 1];
    boolean v4Tail = last && lastPart.indexOf('.') >= 0;
    int[] out = new int[parts.length + (v4Tail ? 1 : 0)];
    for (int i = 0; i < parts.length; i++) {
      String part = parts[i];
      if (v4Tail && i == parts.length - 1) {
        byte[] v4 = parseIpv4(part);
        if (v4 == null) {
          return null;
        }
        out[i] = ((v4[0] & 0xff) << 8) | (v4[1] & 0xff);
        out[i + 1] = ((v4[2] & 0xff) << 8) | (v4[3] & 0xff);
        continue;
      }
      if (part.isEmpty() || part.length() > 4) {
        return null;
      }
      int value = 0;
      for (int j = 0; j < part.length(); j++) {
        int d = asciiHexDigit(part.charAt(j));
        if (d < 0) {
          return null;
        }
        value = value * 16 + d;
      }
      out[i] = value;
    }
    return out;
  }

  private static IllegalArgumentException invalid(String text, String why) {
    return new IllegalArgumentException("invalid CIDR "
        + (text == null ? "null" : "'" + text + "'") + ": " + why);
  }
}
