package io.exproto.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.exproto.server.StandaloneGateway.Launch;
import io.exproto.testkit.TcpTestDevice;
import io.exproto.transport.netty.Framing;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * --config keys that are this gateway's own rather than EMQX's: a listener's {@code framing}
 * block and the gateway's inbound rate limits.
 */
class StandaloneGatewayFramingConfigTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir
  Path dir;

  @RegisterExtension
  final GatewayLauncher launcher = new GatewayLauncher();

  private Launch launch(String conf, String... flags) throws Exception {
    return launcher.launchWithConfig(dir.resolve("exproto.conf"), conf, flags);
  }

  private GatewayConfigFile load(String conf) throws Exception {
    Path file = dir.resolve("load.conf");
    Files.writeString(file, conf);
    return GatewayConfigFile.load(file.toFile());
  }

  private Framing framing(String block) throws Exception {
    return load("listeners.tcp.t { bind = 7993, framing { " + block + " } }").listeners().get(0)
        .framing();
  }

  /** Launching {@code conf} is a usage error (exit 2) whose message contains {@code words}. */
  private void refused(String conf, String... words) throws Exception {
    launcher.resetOutput();
    assertThat(launch(conf).exitCode()).as(conf).isEqualTo(2);
    assertThat(launcher.err()).contains(words);
  }

  @Test
  void everyFramingTypeIsReadWithItsKeysAndDefaults() throws Exception {
    assertThat(framing("type = none")).isEqualTo(Framing.none());
    assertThat(framing("type = line, max_frame_length = 4KiB")).isEqualTo(Framing.line(4096));
    assertThat(framing("type = delimiter, delimiter = \"\\r\\n\\r\\n\", max_frame_length = 100"))
        .isEqualTo(Framing.delimiter("\r\n\r\n".getBytes(StandardCharsets.UTF_8), 100));
    assertThat(framing("type = length_field, length_field_length = 2, max_frame_length = 1026"))
        .isEqualTo(Framing.lengthField(0, 2, 0, 0, 1026));
    assertThat(framing("type = length_field, length_field_offset = 1, length_field_length = 4,"
        + " length_adjustment = -4, initial_bytes_to_strip = 5, max_frame_length = 1MiB"))
        .isEqualTo(Framing.lengthField(1, 4, -4, 5, 1 << 20));
    assertThat(framing("type = fixed_length, frame_length = 12")).isEqualTo(Framing.fixedLength(12));
    // No framing block, or one without a type, is no framing.
    assertThat(load("listeners.tcp.t.bind = 7993").listeners().get(0).framing()).isNull();
    assertThat(framing("")).isEqualTo(Framing.none());
    // ssl listeners take it too.
    assertThat(load("listeners.ssl.s { bind = 8883, ssl_options { certfile = c, keyfile = k },"
        + " framing { type = line, max_frame_length = 10 } }").listeners().get(0).framing())
        .isEqualTo(Framing.line(10));
  }

  @Test
  void framingMistakesAreUsageErrorsNamingTheKey() throws Exception {
    String at = "listeners.tcp.t.framing";
    refused("listeners.tcp.t { bind = 7993, framing.type = lines }",
        at + ".type: 'lines' is not a framing", "length_field");
    refused("listeners.tcp.t { bind = 7993, framing.type = line }",
        at + ": max_frame_length is required for framing type line");
    refused("listeners.tcp.t { bind = 7993, framing { type = line, max_frame_length = 9,"
        + " frame_length = 4 } }", at + ".frame_length does not apply to framing type line",
        "it takes: max_frame_length");
    refused("listeners.tcp.t { bind = 7993, framing { max_frame_length = 9 } }",
        at + ".max_frame_length does not apply to framing type none");
    refused("listeners.tcp.t { bind = 7993, framing { type = delimiter, max_frame_length = 9 } }",
        at + ": delimiter is required");
    refused("listeners.tcp.t { bind = 7993, framing { type = delimiter, delimiter = \"\","
        + " max_frame_length = 9 } }", at + ": delimiter framing: delimiter must not be empty");
    refused("listeners.tcp.t { bind = 7993, framing { type = length_field,"
        + " length_field_length = 5, max_frame_length = 9 } }",
        at + ": lengthField framing: lengthFieldLength must be 1, 2, 3, 4 or 8");
    refused("listeners.tcp.t { bind = 7993, framing { type = length_field,"
        + " max_frame_length = 9 } }", at + ": length_field_length is required");
    refused("listeners.tcp.t { bind = 7993, framing { type = fixed_length, frame_length = 0 } }",
        at + ": fixedLength framing: frameLength must be at least 1");
    refused("listeners.udp.u { bind = 7993, framing.type = line }",
        "listeners.udp.u.framing is not supported on udp listeners");
    refused("listeners.dtls.d { bind = 7993, dtls_options { certfile = c, keyfile = k },"
        + " framing.type = line }", "framing is not supported on dtls listeners");
  }

  @Test
  void aLineFramedListenerReportsEachLineAndClosesOnAnOverlongOne() throws Exception {
    Launch launch = launch("""
        listeners.tcp.t {
          bind = "127.0.0.1:0"
          framing { type = line, max_frame_length = 16 }
        }
        """);
    assertThat(launch.exitCode()).as(launcher.err()).isZero();
    var address = launch.running().listenerAddresses().get("t");
    try (TcpTestDevice d = TcpTestDevice.connect(address)) {
      // Two lines in one write are two OnReceivedBytes, each echoed without its line ending;
      // the half line waits for its end.
      d.send("ab\ncd\r\nef");
      assertThat(d.readText(4, WAIT)).isEqualTo("abcd");
      d.send("g\n");
      assertThat(d.readText(3, WAIT)).isEqualTo("efg");
    }
    try (TcpTestDevice d = TcpTestDevice.connect(address)) {
      d.send("0123456789abcdefXYZ");
      assertThat(d.awaitClosedByGateway(WAIT)).isTrue();
    }
  }

  @Test
  void inboundRateLimitsAreReadAndShapeReads() throws Exception {
    GatewayConfigFile file = load("""
        max_inbound_bytes_per_second = 64KiB
        max_inbound_messages_per_second = 100
        """);
    assertThat(file.maxInboundBytesPerSecond()).isEqualTo(65_536L);
    assertThat(file.maxInboundMessagesPerSecond()).isEqualTo(100);
    refused("max_inbound_bytes_per_second = -1",
        "max_inbound_bytes_per_second must not be negative");
    refused("max_inbound_messages_per_second = -1",
        "max_inbound_messages_per_second must not be negative");

    launcher.resetOutput();
    Launch launch = launch("""
        max_inbound_bytes_per_second = 10
        listeners.tcp.t.bind = "127.0.0.1:0"
        """);
    assertThat(launch.exitCode()).as(launcher.err()).isZero();
    try (TcpTestDevice d = TcpTestDevice.connect(launch.running().listenerAddresses().get("t"))) {
      // Twice the second's budget: echoed, then reading pauses until the debt is repaid.
      d.send("0123456789abcdefghij");
      assertThat(d.readText(20, WAIT)).isEqualTo("0123456789abcdefghij");
      long sent = System.nanoTime();
      d.send("x");
      assertThat(d.readText(1, WAIT)).isEqualTo("x");
      // Unshaped, the echo takes milliseconds; shaped, it waits out most of a second.
      assertThat(Duration.ofNanos(System.nanoTime() - sent)).isGreaterThan(Duration.ofMillis(400));
    }
  }
}
