package io.exproto.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.exproto.transport.internal.Cidr;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Fuzzes the CIDR and access-rule parsers: any text either parses or is refused with an
 * {@link IllegalArgumentException} in the documented format; what parses round-trips through
 * {@code toString} and matches addresses without throwing.
 */
class AccessRulesFuzzTest {

  @FuzzTest(maxDuration = "24h")
  void cidrParsesOrExplains(FuzzedDataProvider data) throws UnknownHostException {
    String text = data.consumeString(120);
    Cidr cidr;
    try {
      cidr = Cidr.parse(text);
    } catch (IllegalArgumentException e) {
      assertThat(e).hasMessageStartingWith("invalid CIDR '");
      return;
    }
    assertThat(Cidr.parse(cidr.toString())).isEqualTo(cidr);
    byte[] raw = data.consumeBytes(data.consumeBoolean() ? 4 : 16);
    if (raw.length == 4 || raw.length == 16) {
      cidr.contains(InetAddress.getByAddress(raw)); // must not throw
    }
    assertThat(cidr.contains(null)).isFalse();
  }

  @FuzzTest(maxDuration = "24h")
  void accessRulesParseOrExplain(FuzzedDataProvider data) throws UnknownHostException {
    List<String> rules = new ArrayList<>();
    int n = data.consumeInt(0, 6);
    for (int i = 0; i < n; i++) {
      rules.add(data.consumeString(60));
    }
    AccessRules parsed;
    try {
      parsed = AccessRules.parse(rules);
    } catch (IllegalArgumentException e) {
      assertThat(e.getMessage()).isNotBlank();
      return;
    }
    assertThat(AccessRules.parse(parsed.rules())).isEqualTo(parsed);
    byte[] raw = data.consumeBytes(data.consumeBoolean() ? 4 : 16);
    if (raw.length == 4 || raw.length == 16) {
      parsed.allows(InetAddress.getByAddress(raw)); // must not throw
    }
  }
}
