package io.exproto.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TopicsTest {

  @ParameterizedTest
  @ValueSource(strings = {"a", "a/b/c", "/", "/a", "a/", "a//b", "$SYS/broker", "$share/g/x",
      "sensor/\u00e9t\u00e9", "emoji/\uD83D\uDE00", " "})
  void validNames(String topic) {
    assertThat(Topics.validateName(topic)).isNull();
  }

  @ParameterizedTest(name = "[{index}] \"{0}\" -> {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
      ""        | topic name must not be empty
      a/+       | topic name must not contain the wildcards '+' or '#'
      "#"         | topic name must not contain the wildcards '+' or '#'
      a/b#      | topic name must not contain the wildcards '+' or '#'
      a+        | topic name must not contain the wildcards '+' or '#'
      """)
  void invalidNames(String topic, String reason) {
    assertThat(Topics.validateName(topic == null ? "" : topic)).isEqualTo(reason);
  }

  @Test
  void nameCharactersAndLength() {
    assertThat(Topics.validateName("a\u0000b"))
        .isEqualTo("topic name must not contain the null character U+0000");
    assertThat(Topics.validateName("a\uD83D")).contains("unpaired surrogate");
    assertThat(Topics.validateName("\uDE00a")).contains("unpaired surrogate");
    assertThat(Topics.validateName(null)).isEqualTo("topic name must not be null");
    assertThat(Topics.validateName("a".repeat(65535))).isNull();
    assertThat(Topics.validateName("a".repeat(65536)))
        .isEqualTo("topic name must not be longer than 65535 UTF-8 bytes, was 65536");
    // 21845 three-byte characters are 65535 bytes; one more two-byte character exceeds it.
    assertThat(Topics.validateName("\u20ac".repeat(21845))).isNull();
    assertThat(Topics.validateName("\u20ac".repeat(21845) + "\u00e9")).contains("65537");
    assertThat(Topics.validateName("\uD83D\uDE00".repeat(16383))).isNull(); // 4 bytes each
    assertThat(Topics.validateName("\uD83D\uDE00".repeat(16384))).contains("65536");
  }

  @ParameterizedTest
  @ValueSource(strings = {"a", "a/b", "+", "#", "+/+", "a/+/b", "a/#", "+/#", "/#", "/+", "a//b",
      "a/", "$SYS/#", "$SYS/+/x", "a/+/", "$share/g/a", "$share/g/#", "$share/g/+/b",
      "$share/group-1/$SYS/#", "$share/g//", "$share", "$sharex/y", "$queue/a"})
  void validFilters(String filter) {
    assertThat(Topics.validateFilter(filter)).isNull();
  }

  @ParameterizedTest(name = "[{index}] \"{0}\" -> {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
      ""              | topic filter must not be empty
      a/#/b           | '#' must be the last level of a topic filter
      "#/a"             | '#' must be the last level of a topic filter
      a/b#            | '#' must occupy a whole level of a topic filter
      a/#b            | '#' must occupy a whole level of a topic filter
      "##"              | '#' must occupy a whole level of a topic filter
      a+              | '+' must occupy a whole level of a topic filter
      a/+b/c          | '+' must occupy a whole level of a topic filter
      ++              | '+' must occupy a whole level of a topic filter
      $share/         | shared subscription must have the form $share/<group>/<filter>
      $share/g        | shared subscription must have the form $share/<group>/<filter>
      $share//a       | shared subscription group must not be empty
      $share/g+/a     | shared subscription group must not contain '+' or '#'
      $share/#/a      | shared subscription group must not contain '+' or '#'
      $share/g/       | shared subscription filter must not be empty
      $share/g/a/#/b  | '#' must be the last level of a topic filter
      $share/g/a+     | '+' must occupy a whole level of a topic filter
      """)
  void invalidFilters(String filter, String reason) {
    assertThat(Topics.validateFilter(filter == null ? "" : filter)).isEqualTo(reason);
  }

  @Test
  void filterCharactersAndLength() {
    assertThat(Topics.validateFilter(null)).isEqualTo("topic filter must not be null");
    assertThat(Topics.validateFilter("a/\u0000/#"))
        .isEqualTo("topic filter must not contain the null character U+0000");
    assertThat(Topics.validateFilter("$share/g\u0000/a"))
        .isEqualTo("topic filter must not contain the null character U+0000");
    assertThat(Topics.validateFilter("a".repeat(65534) + "/#")).contains("65535 UTF-8 bytes");
    assertThat(Topics.validateFilter("a".repeat(65533) + "/#")).isNull();
  }

  @Test
  void sharedParts() {
    assertThat(Topics.isShared("$share/g/a/b")).isTrue();
    assertThat(Topics.isShared("$share")).isFalse();
    assertThat(Topics.isShared("a/$share/g/b")).isFalse();
    assertThat(Topics.shareGroup("$share/g1/a/b")).isEqualTo("g1");
    assertThat(Topics.unshared("$share/g1/a/b")).isEqualTo("a/b");
    assertThat(Topics.unshared("$share/g1/#")).isEqualTo("#");
    assertThat(Topics.unshared("a/+")).isEqualTo("a/+");
    assertThatThrownBy(() -> Topics.shareGroup("a/b"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Topics.unshared("$share/g"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest(name = "[{index}] {0} vs {1} -> {2}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
      a/b          | a/b         | true
      a/b          | a/c         | false
      a/b          | a/b/c       | false
      a/b/c        | a/b         | false
      a/b          | A/b         | false
      a/+          | a/b         | true
      a/+          | a/          | true
      a/+          | a           | false
      a/+          | a/b/c       | false
      +/b          | a/b         | true
      +/b          | /b          | true
      +            | a           | true
      +            | /           | false
      +/+          | /           | true
      /+           | /a          | true
      +            | a/b         | false
      a/+/c        | a/b/c       | true
      a/+/c        | a//c        | true
      a//b         | a//b        | true
      a//b         | a/b         | false
      a/+/b        | a//b        | true
      a/#          | a           | true
      a/#          | a/          | true
      a/#          | a/b/c       | true
      a/#          | ab          | false
      a/#          | b/a         | false
      a/b/#        | a           | false
      "#"            | a           | true
      "#"            | a/b/c       | true
      "#"            | /           | true
      /#           | /a/b        | true
      /#           | a/b         | false
      +/#          | a           | true
      +/+/#        | a           | false
      a/+/#        | a/b         | true
      $SYS/#       | $SYS/broker | true
      $SYS/#       | $SYS        | true
      $SYS/+       | $SYS/broker | true
      "#"            | $SYS/broker | false
      "#"            | $SYS        | false
      +/broker     | $SYS/broker | false
      +/#          | $SYS/broker | false
      +            | $           | false
      a/#          | a/$SYS      | true
      a/+          | a/$x        | true
      $SYS/broker  | $SYS/broker | true
      """)
  void matching(String filter, String topic, boolean expected) {
    assertThat(Topics.matches(filter, topic)).isEqualTo(expected);
  }
}
