package io.exproto.broker;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes topic validation and matching with arbitrary strings. Regression over the committed
 * inputs in every build; {@code JAZZER_FUZZ=1} fuzzes (see the README's "Fuzzing" section).
 */
class TopicsFuzzTest {

  @FuzzTest(maxDuration = "24h")
  void validationAndMatchingNeverThrow(FuzzedDataProvider data) {
    String filter = data.consumeString(300);
    String topic = data.consumeRemainingAsString();
    String nameProblem = Topics.validateName(topic);
    String filterProblem = Topics.validateFilter(filter);
    if (nameProblem == null) {
      // A valid name is non-empty, wildcard-free, NUL-free and encodable in 65535 UTF-8 bytes.
      assertThat(topic).isNotEmpty().doesNotContain("+", "#", "\u0000");
      assertThat(topic.getBytes(StandardCharsets.UTF_8).length)
          .isLessThanOrEqualTo(Topics.MAX_LENGTH_BYTES);
      // Every valid name is also a valid filter, and matches itself.
      assertThat(Topics.validateFilter(topic)).isNull();
      if (!Topics.isShared(topic)) {
        assertThat(Topics.matches(topic, topic)).isTrue();
      }
    }
    if (filterProblem == null) {
      String inner = Topics.unshared(filter);
      if (Topics.isShared(filter)) {
        assertThat(Topics.shareGroup(filter)).isNotEmpty().doesNotContain("/", "+", "#");
        assertThat(Topics.validateFilter(inner)).isNull();
      }
      if (nameProblem == null) {
        boolean matched = Topics.matches(inner, topic);
        assertThat(matched).isEqualTo(NaiveMatcher.matches(inner, topic));
      }
    }
  }
}
