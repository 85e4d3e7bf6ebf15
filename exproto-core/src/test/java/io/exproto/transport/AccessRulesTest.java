package io.exproto.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AccessRulesTest {

  private static InetAddress ip(String literal) {
    try {
      return InetAddress.getByName(literal); // literals only: never a lookup
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  private static AccessRules rules(String joined) {
    return AccessRules.parse(Arrays.asList(joined.split("\\s*;\\s*")));
  }

  @ParameterizedTest(name = "[{0}] {1} -> {2}")
  @CsvSource(delimiter = '|', textBlock = """
      deny 10.0.0.0/8                          | 10.1.2.3        | false
      deny 10.0.0.0/8                          | 11.0.0.1        | true
      deny 10.0.0.0/8                          | 9.255.255.255   | true
      deny 192.168.1.10                        | 192.168.1.10    | false
      deny 192.168.1.10                        | 192.168.1.11    | true
      deny 192.168.1.0/25                      | 192.168.1.127   | false
      deny 192.168.1.0/25                      | 192.168.1.128   | true
      deny 172.16.0.0/12                       | 172.31.255.255  | false
      deny 172.16.0.0/12                       | 172.32.0.0      | true
      deny 10.1.2.3/8                          | 10.200.0.1      | false
      deny 0.0.0.0/0                           | 8.8.8.8         | false
      deny 0.0.0.0/0                           | ::1             | true
      deny all                                 | 8.8.8.8         | false
      deny all                                 | 2001:db8::1     | false
      allow all                                | 8.8.8.8         | true
      deny 2001:db8::/32                       | 2001:db8:ffff::1 | false
      deny 2001:db8::/32                       | 2001:db9::1     | true
      deny ::1                                 | ::1             | false
      deny ::1                                 | 127.0.0.1       | true
      deny 2001:db8::/33                       | 2001:db8:8000::1 | true
      deny 2001:db8::/33                       | 2001:db8:7fff::1 | false
      deny 10.0.0.0/8                          | ::ffff:10.0.0.1 | false
      deny ::ffff:10.0.0.0/104                 | 10.9.9.9        | false
      deny ::ffff:10.0.0.0/104                 | 11.0.0.1        | true
      deny ::/0                                | 2001:db8::1     | false
      deny ::/0                                | 10.0.0.1        | true
      deny ::/0                                | ::ffff:10.0.0.1 | true
      deny 0.0.0.0/0                           | ::ffff:10.0.0.1 | false
      deny 192.168.1.128/25                    | 192.168.1.200   | false
      deny 192.168.1.128/25                    | 192.168.1.127   | true
      deny 10.0.0.0/8,192.168.0.0/16           | 192.168.5.5     | false
      deny 10.0.0.0/8, 192.168.0.0/16          | 10.5.5.5        | false
      deny 10.0.0.0/8,192.168.0.0/16           | 172.16.0.1      | true
      allow 10.0.0.1 ; deny 10.0.0.0/8         | 10.0.0.1        | true
      allow 10.0.0.1 ; deny 10.0.0.0/8         | 10.0.0.2        | false
      deny 10.0.0.0/8 ; allow 10.0.0.1         | 10.0.0.1        | false
      allow 127.0.0.1 ; deny all               | 127.0.0.1       | true
      allow 127.0.0.1 ; deny all               | 127.0.0.2       | false
      allow all ; deny 127.0.0.1               | 127.0.0.1       | true
      ALLOW  ::1 ; Deny ALL                    | ::1             | true
      """)
  void firstMatchingRuleDecidesAndNoMatchAllows(String rules, String client, boolean allowed) {
    assertThat(rules(rules).allows(ip(client))).isEqualTo(allowed);
  }

  @Test
  void anIpv4ClientOnADualStackSocketIsMatchedByIpv4RulesOnly() throws Exception {
    byte[] mapped = new byte[16];
    mapped[10] = (byte) 0xff;
    mapped[11] = (byte) 0xff;
    mapped[12] = 10;
    mapped[15] = 1;
    InetAddress client = Inet6Address.getByAddress(null, mapped, -1); // ::ffff:10.0.0.1, as IPv6
    assertThat(client).isInstanceOf(Inet6Address.class);

    assertThat(rules("deny 10.0.0.0/8").allows(client)).isFalse();
    assertThat(rules("deny ::ffff:10.0.0.0/104").allows(client)).isFalse();
    assertThat(rules("deny 11.0.0.0/8").allows(client)).isTrue();
    assertThat(rules("deny ::/0").allows(client)).as("IPv6 blocks are for IPv6 clients").isTrue();
  }

  @Test
  void noRulesAllowEverything() {
    assertThat(AccessRules.parse(List.of())).isSameAs(AccessRules.allowAll());
    assertThat(AccessRules.allowAll().allows(ip("10.0.0.1"))).isTrue();
    assertThat(AccessRules.allowAll().allows(ip("::1"))).isTrue();
    assertThat(AccessRules.allowAll().rules()).isEmpty();
  }

  /** The second column is what follows the syntax in the message; "-" for nothing more. */
  @ParameterizedTest(name = "''{0}''")
  @CsvSource(delimiterString = "=>", quoteCharacter = '"', textBlock = """
      "allow"                  => -
      ""                       => -
      "deny 10.0.0.1 10.0.0.2" => -
      "deny 10.0.0.0/8,"       => -
      "deny 10.0.0.0/8,,::1"   => -
      "deny 10.0.0.0 /8"       => -
      "permit 10.0.0.1"        => 'permit' is neither allow nor deny
      """)
  void malformedRulesAreRejectedNamingTheRuleAndWhy(String rule, String why) {
    String syntax = "access rule '" + rule + "' must be 'allow|deny <ip|cidr|all>'";
    assertThatThrownBy(() -> AccessRules.parse(List.of("allow 127.0.0.1", rule)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(why.equals("-") ? syntax : syntax + ": " + why);
  }

  /**
   * A bad address or block: the rule, then the ban list's own message for that block (the two
   * share one parser; GatewayBanListTest checks every edge case through both).
   */
  @ParameterizedTest(name = "''{0}''")
  @CsvSource(delimiterString = "=>", quoteCharacter = '"', textBlock = """
      "deny 10.0.0.300"               => invalid CIDR '10.0.0.300': an IPv4 address is four decimal octets 0..255 without leading zeros
      "deny 10.1"                     => invalid CIDR '10.1': an IPv4 address is four decimal octets 0..255 without leading zeros
      "deny 010.0.0.1"                => invalid CIDR '010.0.0.1': an IPv4 address is four decimal octets 0..255 without leading zeros
      "deny localhost"                => invalid CIDR 'localhost': not an IP address literal; use e.g. 192.0.2.7, 10.0.0.0/8 or 2001:db8::/32 (host names are not accepted)
      "deny 2001:db8::zz"             => invalid CIDR '2001:db8::zz': '2001:db8::zz' is not an IPv6 address (brackets and zones such as %eth0 are not accepted)
      "deny fe80::1%eth0"             => invalid CIDR 'fe80::1%eth0': 'fe80::1%eth0' is not an IPv6 address (brackets and zones such as %eth0 are not accepted)
      "deny .:1"                      => invalid CIDR '.:1': '.:1' is not an IPv6 address (brackets and zones such as %eth0 are not accepted)
      "deny 10.0.0.0/33"              => invalid CIDR '10.0.0.0/33': prefix must be 0..32 for IPv4
      "deny 2001:db8::/129"           => invalid CIDR '2001:db8::/129': prefix must be 0..128 for IPv6
      "deny ::ffff:10.0.0.0/95"       => invalid CIDR '::ffff:10.0.0.0/95': prefix must be 96..128 for an IPv4-mapped IPv6 address
      "deny 10.0.0.0/x"               => invalid CIDR '10.0.0.0/x': prefix 'x' is not a plain decimal number (ASCII digits, no sign, no leading zero)
      "deny 10.0.0.0/+8"              => invalid CIDR '10.0.0.0/+8': prefix '+8' is not a plain decimal number (ASCII digits, no sign, no leading zero)
      "deny 10.0.0.0/"                => invalid CIDR '10.0.0.0/': prefix length missing after '/'
      "allow 10.0.0.1, 10.0.0.0/33"   => invalid CIDR '10.0.0.0/33': prefix must be 0..32 for IPv4
      """)
  void badAddressesAreRejectedNamingTheRuleAndTheBlock(String rule, String cidrMessage) {
    assertThatThrownBy(() -> AccessRules.parse(List.of("allow 127.0.0.1", rule)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("access rule '" + rule + "': " + cidrMessage);
  }

  @Test
  void nullsAreRejected() {
    assertThatThrownBy(() -> AccessRules.parse(null)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("empty list");
    assertThatThrownBy(() -> AccessRules.parse(Arrays.asList("allow all", null)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("access rule 2 of 2 is null");
    assertThatThrownBy(() -> AccessRules.allowAll().allows(null))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void rulesAreKeptAsGivenAndCompareByText() {
    AccessRules rules = AccessRules.parse(List.of(" deny 10.0.0.0/8 ", "allow all"));

    assertThat(rules.rules()).containsExactly("deny 10.0.0.0/8", "allow all");
    assertThat(rules).hasToString("[deny 10.0.0.0/8, allow all]")
        .isEqualTo(AccessRules.parse(List.of("deny 10.0.0.0/8", "allow all")))
        .hasSameHashCodeAs(AccessRules.parse(List.of("deny 10.0.0.0/8", "allow all")))
        .isNotEqualTo(AccessRules.allowAll());
  }
}
