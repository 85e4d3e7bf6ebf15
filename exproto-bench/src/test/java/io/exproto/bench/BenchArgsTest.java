package io.exproto.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchArgsTest {
  @Test
  void readsOptionsAndPositionalWords() {
    BenchArgs a = BenchArgs.parse("x", "--connections", "15_000", "--measure=500ms",
        "--list", "1,100,1000", "y");
    assertThat(a.positional()).containsExactly("x", "y");
    assertThat(a.integer("connections", 1)).isEqualTo(15_000);
    assertThat(a.duration("measure", Duration.ZERO)).isEqualTo(Duration.ofMillis(500));
    assertThat(a.integers("list", List.of())).containsExactly(1, 100, 1000);
    assertThat(a.integer("missing", 7)).isEqualTo(7);
  }

  @Test
  void durationsInSecondsMinutesAndBareNumbers() {
    assertThat(BenchArgs.parseDuration("d", "3s")).isEqualTo(Duration.ofSeconds(3));
    assertThat(BenchArgs.parseDuration("d", "2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(BenchArgs.parseDuration("d", "1.5")).isEqualTo(Duration.ofMillis(1500));
  }

  @Test
  void errorsNameTheOption() {
    assertThatThrownBy(() -> BenchArgs.parse("--port"))
        .hasMessageContaining("--port needs a value");
    assertThatThrownBy(() -> BenchArgs.parse("--port", "x").integer("port", 0))
        .hasMessageContaining("--port must be an integer, was 'x'");
    assertThatThrownBy(() -> BenchArgs.parse("--warmup", "soon").duration("warmup", null))
        .hasMessageContaining("--warmup must be a duration");
  }

  @Test
  void loadConfigNeedsAPort() {
    assertThatThrownBy(() -> BenchMain.loadConfig(BenchArgs.parse("--connections", "2")))
        .hasMessageContaining("--port is required");
    LoadGenerator.Config c = BenchMain.loadConfig(BenchArgs.parse("--port", "7993",
        "--connections", "5", "--payload", "32"));
    assertThat(c.connections()).isEqualTo(5);
    assertThat(c.payload()).isEqualTo(32);
    assertThat(c.target().getPort()).isEqualTo(7993);
  }
}
