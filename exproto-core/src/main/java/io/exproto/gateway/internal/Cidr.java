package io.exproto.gateway.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * An IPv4 or IPv6 address block such as {@code 10.0.0.0/8}, {@code 2001:db8::/32} or a single
 * address ({@code 192.0.2.7}, a /32 or /128). Parsing never touches DNS: only literal addresses are
 * accepted. Immutable. Internal: not part of the public API.
 */
public final class Cidr {
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:.]+");

  private final byte[] network;
  private final int prefix;

  private Cidr(byte[] network, int prefix) {
    this.network = network;
    this.prefix = prefix;
  }

  /**
   * Parses {@code ip} or {@code ip/prefix}.
   *
   * @throws IllegalArgumentException saying what is wrong with {@code text}
   */
  public static Cidr parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("an IP address or CIDR block is required, was '"
          + text + "'");
    }
    String s = text.trim();
    int slash = s.indexOf('/');
    String addr = slash < 0 ? s : s.substring(0, slash);
    boolean v6 = addr.indexOf(':') >= 0;
    if (!(v6 ? IPV6.matcher(addr).matches() : IPV4.matcher(addr).matches())) {
      throw new IllegalArgumentException("'" + text + "' is not an IP address or CIDR block;"
          + " use e.g. 192.0.2.7, 10.0.0.0/8 or 2001:db8::/32 (host names are not accepted)");
    }
    byte[] bytes;
    try {
      bytes = InetAddress.getByName(addr).getAddress(); // a literal: no DNS lookup
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("'" + text + "' is not a valid IP address", e);
    }
    int bits = bytes.length * 8;
    int prefix = bits;
    if (slash >= 0) {
      try {
        prefix = Integer.parseInt(s.substring(slash + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + text + "' has an invalid prefix length", e);
      }
      if (v6 && bytes.length == 4) {
        prefix -= 96; // an IPv4-mapped IPv6 block, as Java folds those addresses to IPv4
      }
      if (prefix < 0 || prefix > bits) {
        throw new IllegalArgumentException("'" + text + "' has prefix length out of range 0.."
            + (v6 ? 128 : 32));
      }
    }
    byte[] net = bytes.clone();
    for (int i = 0; i < net.length; i++) {
      int keep = Math.max(0, Math.min(8, prefix - i * 8));
      net[i] &= (byte) (0xff << (8 - keep));
    }
    return new Cidr(net, prefix);
  }

  /** True if {@code address} lies in this block (IPv4 and IPv6 blocks never match each other). */
  public boolean contains(InetAddress address) {
    if (address == null) {
      return false;
    }
    byte[] a = address.getAddress();
    if (a.length != network.length) {
      return false;
    }
    for (int i = 0; i < a.length; i++) {
      int keep = Math.max(0, Math.min(8, prefix - i * 8));
      if (keep == 0) {
        break;
      }
      int mask = (0xff << (8 - keep)) & 0xff;
      if ((a[i] & mask) != (network[i] & mask)) {
        return false;
      }
    }
    return true;
  }

  /** The normalized form {@code network/prefix}, host bits cleared. */
  @Override
  public String toString() {
    try {
      String host = InetAddress.getByAddress(network).getHostAddress();
      return host + "/" + prefix;
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
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

}
