package io.exproto.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Drain settings in the config file, and SIGTERM: a graceful stop that exits 0. */
class StandaloneGatewayShutdownTest {
  @TempDir
  Path dir;

  @Test
  void drainTimeoutAndMaxQueuedBytesAreReadFromTheConfigFile() throws Exception {
    Path file = dir.resolve("drain.conf");
    Files.writeString(file, """
        gateway.exproto {
          drain_timeout = 5s
          max_queued_bytes = 32MiB
          listeners.tcp.t.bind = 7993
        }
        """);
    GatewayConfigFile config = GatewayConfigFile.load(file.toFile());
    assertThat(config.drainTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(config.maxQueuedBytes()).isEqualTo(32L << 20);
  }

  @Test
  void sigtermDrainsClosesDevicesAndExitsZero() throws Exception {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), StandaloneGateway.class.getName(),
        "--listen", "tcp://127.0.0.1:0", "--adapter", "127.0.0.1:0"));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
          StandardCharsets.UTF_8));
      String ready = out.readLine(); // blocks until the gateway prints it, or exits
      assertThat(ready).startsWith("exproto gateway ready:");
      Matcher m = Pattern.compile("=127\\.0\\.0\\.1:(\\d+)").matcher(ready);
      assertThat(m.find()).isTrue();
      try (Socket device = new Socket()) {
        device.connect(new InetSocketAddress("127.0.0.1", Integer.parseInt(m.group(1))), 10_000);
        device.setSoTimeout(30_000);
        device.getOutputStream().write("hi".getBytes(StandardCharsets.UTF_8));
        assertThat(device.getInputStream().readNBytes(2)).isEqualTo(
            "hi".getBytes(StandardCharsets.UTF_8)); // the echo handler answered: it is connected

        p.destroy(); // SIGTERM

        assertThat(device.getInputStream().read()).as("closed by the drain").isEqualTo(-1);
      }
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).isZero();
    } finally {
      p.destroyForcibly();
    }
  }
}
