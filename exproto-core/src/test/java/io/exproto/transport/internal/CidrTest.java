package io.exproto.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The parser itself: normal forms, equality and what is not a block. Matching and every error
 * message are checked through both users in {@link GatewayBanListTest}.
 */
class CidrTest {

  private static InetAddress ip(String literal) {
    try {
      return InetAddress.getByName(literal); // literals only: never a lookup
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
      10.0.0.0/8              | 10.0.0.0/8
      10.1.2.3/8              | 10.0.0.0/8
      192.0.2.7               | 192.0.2.7/32
      192.168.1.200/25        | 192.168.1.128/25
      0.0.0.0/0               | 0.0.0.0/0
      255.255.255.255/0       | 0.0.0.0/0
      "  10.0.0.0/8 "         | 10.0.0.0/8
      ::ffff:10.1.2.3         | 10.1.2.3/32
      ::ffff:10.1.2.3/104     | 10.0.0.0/8
      ::FFFF:a01:203/120      | 10.1.2.0/24
      ::ffff:0:0/96           | 0.0.0.0/0
      2001:db8::/32           | 2001:db8:0:0:0:0:0:0/32
      2001:DB8:ffff::1/32     | 2001:db8:0:0:0:0:0:0/32
      fd00::/8                | fd00:0:0:0:0:0:0:0/8
      ::1                     | 0:0:0:0:0:0:0:1/128
      ::                      | 0:0:0:0:0:0:0:0/128
      ::/0                    | 0:0:0:0:0:0:0:0/0
      1::                     | 1:0:0:0:0:0:0:0/128
      1:2:3:4:5:6:7::         | 1:2:3:4:5:6:7:0/128
      ::2:3:4:5:6:7:8         | 0:2:3:4:5:6:7:8/128
      1:2:3:4:5:6:7:8         | 1:2:3:4:5:6:7:8/128
      0001:02:3::0ab/64       | 1:2:3:0:0:0:0:0/64
      ::1.2.3.4               | 0:0:0:0:0:0:102:304/128
      1:2:3:4:5:6:1.2.3.4     | 1:2:3:4:5:6:102:304/128
      """)
  void parsesToTheNormalForm(String text, String normal) {
    assertThat(Cidr.parse(text)).hasToString(normal);
  }

  @Test
  void blocksThatNormalizeAlikeAreEqual() {
    assertThat(Cidr.parse("10.1.2.3/8")).isEqualTo(Cidr.parse("10.0.0.0/8"))
        .hasSameHashCodeAs(Cidr.parse("10.0.0.0/8"))
        .isEqualTo(Cidr.parse("::ffff:10.9.9.9/104"))
        .isNotEqualTo(Cidr.parse("10.0.0.0/9"));
    assertThat(Cidr.parse("2001:DB8::1/32")).isEqualTo(Cidr.parse("2001:db8::/32"));
    assertThat(Cidr.parse("::/96")).as("IPv4-compatible space is IPv6")
        .isNotEqualTo(Cidr.parse("0.0.0.0/0"));
  }

  @Test
  void theMappedFormOfAClientIsItsIpv4Address() throws Exception {
    byte[] mapped = new byte[16];
    mapped[10] = (byte) 0xff;
    mapped[11] = (byte) 0xff;
    mapped[12] = (byte) 192;
    mapped[15] = 1;
    InetAddress v6 = Inet6Address.getByAddress(null, mapped, -1); // as a dual-stack socket shows it
    assertThat(v6).isInstanceOf(Inet6Address.class);

    assertThat(Cidr.parse("192.0.0.0/8").contains(v6)).isTrue();
    assertThat(Cidr.parse("192.0.0.1").contains(v6)).isTrue();
    assertThat(Cidr.parse("::ffff:192.0.0.1").contains(v6)).isTrue();
    assertThat(Cidr.parse("::/0").contains(v6)).isFalse();
    assertThat(Cidr.parse("::ffff:0:0/96").contains(ip("::1"))).isFalse();
    assertThat(Cidr.parse("::/0").contains(null)).isFalse();
  }

  @Test
  void aScopedClientIsMatchedByItsAddress() throws Exception {
    InetAddress scoped = Inet6Address.getByAddress(null, ip("fe80::1").getAddress(), 3);
    assertThat(Cidr.parse("fe80::/10").contains(scoped)).isTrue();
    assertThat(Cidr.parse("fe80::1").contains(scoped)).isTrue();
  }

  @Test
  void nullAndBlankAreRejected() {
    assertThatThrownBy(() -> Cidr.parse(null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("invalid CIDR null: an IP address or CIDR block is required");
    assertThatThrownBy(() -> Cidr.parse("")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("invalid CIDR '': an IP address or CIDR block is required");
    assertThatThrownBy(() -> Cidr.parse(" \t")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("invalid CIDR ' \t': an IP address or CIDR block is required");
  }

  /** Inputs AccessRules cannot even hand over (its own syntax splits them first). */
  @Test
  void whitespaceAndCommasInsideAreRejected() {
    assertThatThrownBy(() -> Cidr.parse("10.0.0.0 /8")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("invalid CIDR '10.0.0.0 /8': whitespace inside an address or CIDR block");
    assertThatThrownBy(() -> Cidr.parse("10.0.0.0/8,::1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("invalid CIDR '10.0.0.0/8,::1': prefix '8,::1' is not a plain decimal number"
            + " (ASCII digits, no sign, no leading zero)");
    assertThatThrownBy(() -> Cidr.parse("all")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("invalid CIDR 'all': not an IP address literal");
  }
}
