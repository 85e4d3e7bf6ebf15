package io.exproto.gateway.internal;

import io.exproto.transport.internal.Cidr;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exproto.transport.AccessRules;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The ban list, and its agreement with listeners' {@link AccessRules}: both read blocks with
 * {@link Cidr}, so every edge case below goes through both and must come out the same.
 */
class GatewayBanListTest {

  private static final String IPV4 =
      "an IPv4 address is four decimal octets 0..255 without leading zeros";
  private static final String LITERAL = "not an IP address literal; use e.g. 192.0.2.7, 10.0.0.0/8"
      + " or 2001:db8::/32 (host names are not accepted)";
  private static final String NUMBER =
      " is not a plain decimal number (ASCII digits, no sign, no leading zero)";
  private static final String IPV6 =
      " is not an IPv6 address (brackets and zones such as %eth0 are not accepted)";

  private final List<Cidr> swept = new ArrayList<>();
  private final List<String> kicked = new ArrayList<>();
  private final GatewayBanList bans = new GatewayBanList(swept::add, kicked::add);

  /**
   * A client address from a literal. {@code ::ffff:a.b.c.d} is kept an {@link Inet6Address}, as a
   * dual-stack socket can report an IPv4 client; {@code v4:} before it gives the JDK's usual
   * {@code Inet4Address} for the same text.
   */
  private static InetAddress client(String literal) {
    try {
      if (literal.startsWith("v4:")) {
        return InetAddress.getByName(literal.substring(3));
      }
      InetAddress a = InetAddress.getByName(literal); // literals only: never a lookup
      if (literal.toLowerCase().startsWith("::ffff:") && literal.indexOf('.') >= 0) {
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        System.arraycopy(a.getAddress(), 0, mapped, 12, 4);
        a = Inet6Address.getByAddress(null, mapped, -1);
        assertThat(a).isInstanceOf(Inet6Address.class);
      }
      return a;
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  @ParameterizedTest(name = "{0} contains {1}: {2}")
  @CsvSource(delimiter = '|', textBlock = """
      10.0.0.0/8              | 10.1.2.3              | true
      10.0.0.0/8              | 11.0.0.1              | false
      10.0.0.0/8              | 9.255.255.255         | false
      10.0.0.0/8              | ::ffff:10.1.2.3       | true
      10.0.0.0/8              | v4:::ffff:10.1.2.3    | true
      10.0.0.0/8              | ::ffff:11.0.0.1       | false
      10.1.2.3/8              | 10.200.0.1            | true
      10.1.2.3/8              | 11.1.2.3              | false
      10.1.2.3                | 10.1.2.3              | true
      10.1.2.3                | 10.1.2.4              | false
      10.1.2.3                | ::ffff:10.1.2.3       | true
      10.1.2.3/32             | 10.1.2.3              | true
      192.168.1.128/25        | 192.168.1.200         | true
      192.168.1.128/25        | 192.168.1.127         | false
      192.168.1.0/25          | 192.168.1.128         | false
      172.16.0.0/12           | 172.31.255.255        | true
      172.16.0.0/12           | 172.32.0.0            | false
      128.0.0.0/1             | 200.0.0.1             | true
      128.0.0.0/1             | 127.255.255.255       | false
      255.255.255.255         | 255.255.255.255       | true
      0.0.0.0/0               | 8.8.8.8               | true
      0.0.0.0/0               | ::ffff:8.8.8.8        | true
      0.0.0.0/0               | ::1                   | false
      0.0.0.0/0               | 2001:db8::1           | false
      ::ffff:10.0.0.0/104     | 10.9.9.9              | true
      ::ffff:10.0.0.0/104     | ::ffff:10.9.9.9       | true
      ::ffff:10.0.0.0/104     | 11.0.0.1              | false
      ::ffff:10.1.2.3         | 10.1.2.3              | true
      ::ffff:10.1.2.3/128     | 10.1.2.4              | false
      ::ffff:0:0/96           | 8.8.8.8               | true
      ::ffff:0:0/96           | ::1                   | false
      ::/0                    | 2001:db8::1           | true
      ::/0                    | ::1                   | true
      ::/0                    | 8.8.8.8               | false
      ::/0                    | ::ffff:8.8.8.8        | false
      ::/96                   | ::1.2.3.4             | true
      ::/96                   | 1.2.3.4               | false
      ::1                     | ::1                   | true
      ::1                     | 127.0.0.1             | false
      2001:db8::/32           | 2001:db8:ffff::1      | true
      2001:db8::/32           | 2001:db9::1           | false
      2001:db8::/33           | 2001:db8:7fff::1      | true
      2001:db8::/33           | 2001:db8:8000::1      | false
      2001:DB8::1/128         | 2001:db8::1           | true
      2001:db8::1/64          | 2001:db8::ffff        | true
      fd00::/8                | fd12:3456::1          | true
      fd00::/8                | fe80::1               | false
      fe80::/10               | fe80::1%1             | true
      1:2:3:4:5:6:1.2.3.4     | 1:2:3:4:5:6:102:304   | true
      """)
  void banListAndAccessRulesMatchTheSameClients(String block, String client, boolean inBlock) {
    assertThat(bans.banAddress(block)).isTrue();
    InetAddress address = client(client);

    assertThat(bans.isBanned(address)).as("ban list").isEqualTo(inBlock);
    assertThat(AccessRules.parse(List.of("deny " + block)).allows(address)).as("access rules")
        .isEqualTo(!inBlock);
    assertThat(swept).singleElement().satisfies(c -> assertThat(c.contains(address))
        .as("the block the gateway sweeps").isEqualTo(inBlock));
  }

  /**
   * The reason after {@code invalid CIDR '<block>': }. Shorthands: IPV4, LITERAL, {@code
   * IPV6:<address>}, {@code NUMBER:<prefix>} (see the constants).
   */
  @ParameterizedTest(name = "''{0}''")
  @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
      10.0.0.0/33             | prefix must be 0..32 for IPv4
      10.0.0.0/1000           | prefix must be 0..32 for IPv4
      10.0.0.0/99999999999999 | prefix must be 0..32 for IPv4
      2001:db8::/129          | prefix must be 0..128 for IPv6
      ::ffff:10.0.0.0/95      | prefix must be 96..128 for an IPv4-mapped IPv6 address
      ::ffff:10.0.0.0/8       | prefix must be 96..128 for an IPv4-mapped IPv6 address
      ::ffff:0:0/0            | prefix must be 96..128 for an IPv4-mapped IPv6 address
      ::ffff:10.0.0.0/129     | prefix must be 96..128 for an IPv4-mapped IPv6 address
      10.0.0.0/+8             | NUMBER:+8
      10.0.0.0/-1             | NUMBER:-1
      10.0.0.0/08             | NUMBER:08
      10.0.0.0/٨              | NUMBER:٨
      10.0.0.0/８              | NUMBER:８
      10.0.0.0/0x8            | NUMBER:0x8
      10.0.0.0/x              | NUMBER:x
      10.0.0.0/8/8            | NUMBER:8/8
      2001:db8::/+32          | NUMBER:+32
      10.0.0.0/               | prefix length missing after '/'
      10.0.0.300              | IPV4
      256.0.0.0/8             | IPV4
      10.1                    | IPV4
      10.0.0                  | IPV4
      10.0.0.1.               | IPV4
      010.0.0.1               | IPV4
      10.0.0.01/32            | IPV4
      167772161               | IPV4
      ١٠.0.0.1                | LITERAL
      10.0.0.١                | LITERAL
      0x0a.0.0.1              | LITERAL
      localhost               | LITERAL
      example.com             | LITERAL
      example.com/8           | LITERAL
      /8                      | LITERAL
      2001:db8::zz            | IPV6:2001:db8::zz
      2001:db8::٣             | IPV6:2001:db8::٣
      fe80::1%eth0            | IPV6:fe80::1%eth0
      fe80::1%1/64            | IPV6:fe80::1%1
      [::1]                   | IPV6:[::1]
      [::1]/128               | IPV6:[::1]
      .:1                     | IPV6:.:1
      ..:                     | IPV6:..:
      ٣:1                     | IPV6:٣:1
      1:::2                   | IPV6:1:::2
      1::2::3                 | IPV6:1::2::3
      :1::                    | IPV6::1::
      1::2:                   | IPV6:1::2:
      1:2:3:4:5:6:7           | IPV6:1:2:3:4:5:6:7
      1:2:3:4:5:6:7:8:9       | IPV6:1:2:3:4:5:6:7:8:9
      1:2:3:4:5:6:7:8::       | IPV6:1:2:3:4:5:6:7:8::
      12345::                 | IPV6:12345::
      1.2.3.4::               | IPV6:1.2.3.4::
      ::1.2.3                 | IPV6:::1.2.3
      ::01.2.3.4              | IPV6:::01.2.3.4
      1.2.3.4:80              | IPV6:1.2.3.4:80
      """)
  void banListAndAccessRulesRefuseTheSameBlocksInTheSameWords(String block, String reason) {
    String why = switch (reason.contains(":") ? reason.substring(0, reason.indexOf(':')) : reason) {
      case "IPV4" -> IPV4;
      case "LITERAL" -> LITERAL;
      case "IPV6" -> "'" + reason.substring(5) + "'" + IPV6;
      case "NUMBER" -> "prefix '" + reason.substring(7) + "'" + NUMBER;
      default -> reason;
    };
    String message = "invalid CIDR '" + block + "': " + why;

    // None of these, however close to a literal, may reach the JDK's resolver: the parser reads
    // the text itself, so there is never an UnknownHostException underneath.
    assertThatThrownBy(() -> bans.banAddress(block)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message).hasNoCause();
    assertThatThrownBy(() -> bans.unbanAddress(block)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message).hasNoCause();
    assertThatThrownBy(() -> AccessRules.parse(List.of("deny " + block)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("access rule 'deny " + block + "': " + message);
    assertThat(swept).isEmpty();
    assertThat(bans.bannedAddresses()).isEmpty();
  }

  @Test
  void blocksAreBannedAndUnbannedInNormalForm() {
    assertThat(bans.banAddress("10.1.2.3/8")).isTrue();
    assertThat(bans.banAddress("10.0.0.0/8")).as("same block").isFalse();
    assertThat(bans.banAddress("::ffff:10.0.0.0/104")).as("same block, mapped form").isFalse();
    assertThat(bans.banAddress(" 10.9.9.9/8 ")).as("surrounding whitespace").isFalse();
    assertThat(bans.banAddress("2001:DB8::1/32")).isTrue();
    assertThat(bans.banAddress("::ffff:192.0.2.7")).isTrue();
    assertThat(bans.bannedAddresses())
        .containsExactly("10.0.0.0/8", "192.0.2.7/32", "2001:db8:0:0:0:0:0:0/32");
    assertThat(swept).hasSize(6).allMatch(c -> !c.toString().contains(":ffff:"));

    assertThat(bans.unbanAddress("::ffff:192.0.2.7/128")).isTrue();
    assertThat(bans.unbanAddress("10.255.0.0/8")).isTrue();
    assertThat(bans.unbanAddress("10.0.0.0/8")).isFalse();
    assertThat(bans.unbanAddress("2001:db8::/33")).as("no holes carved").isFalse();
    assertThat(bans.bannedAddresses()).containsExactly("2001:db8:0:0:0:0:0:0/32");
    assertThat(bans.isBanned(client("2001:db8::7"))).isTrue();
    assertThat(bans.isBanned(client("10.0.0.1"))).isFalse();
    assertThat(bans.isBanned((InetAddress) null)).isFalse();
  }

  @Test
  void nullAndEmptyAreRejected() {
    assertThatThrownBy(() -> bans.banAddress(null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("invalid CIDR null: an IP address or CIDR block is required");
    assertThatThrownBy(() -> bans.unbanAddress("")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("invalid CIDR '': an IP address or CIDR block is required");
    assertThatThrownBy(() -> bans.banClientId("")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void clientIdsAreBannedExactly() {
    assertThat(bans.banClientId("dev-1")).isTrue();
    assertThat(bans.banClientId("dev-1")).isFalse();
    assertThat(kicked).containsExactly("dev-1", "dev-1");
    assertThat(bans.isBanned("dev-1")).isTrue();
    assertThat(bans.isBanned("DEV-1")).isFalse();
    assertThat(bans.unbanClientId("dev-1")).isTrue();
    assertThat(bans.isBanned("dev-1")).isFalse();
    assertThat(bans.unbanClientId(null)).isFalse();
  }
}
