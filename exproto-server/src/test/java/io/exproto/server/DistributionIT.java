package io.exproto.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.exproto.testkit.TcpTestDevice;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server distribution as an operator uses it (run by failsafe, after {@code package} made the
 * archive): unpack the tar.gz, run {@code bin/exproto-gateway} with the shipped
 * {@code etc/exproto.conf}, wait for the ready line, echo through it, stop it with SIGTERM.
 */
class DistributionIT {
  private static final Pattern READY =
      Pattern.compile("exproto gateway ready: tcp=127\\.0\\.0\\.1:(\\d+) .*handler=in-process echo");

  @TempDir Path dir;

  @Test
  void unpacksStartsEchoesAndStopsCleanly() throws Exception {
    Path archive = Paths.get(System.getProperty("exproto.dist"));
    assertThat(archive).isRegularFile();
    Process tar = new ProcessBuilder("tar", "xzf", archive.toString(), "-C", dir.toString())
        .inheritIO().start();
    assertThat(tar.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(tar.exitValue()).isZero();
    Path home;
    try (var entries = Files.list(dir)) {
      home = entries.findFirst().orElseThrow();
    }
    assertThat(home.getFileName().toString()).startsWith("exproto-gateway-");
    for (String file : new String[] {"bin/exproto-gateway", "etc/exproto.conf",
        "etc/logback.xml", "systemd/exproto-gateway.service"}) {
      assertThat(home.resolve(file)).as(file).isRegularFile();
    }
    assertThat(Files.isExecutable(home.resolve("bin/exproto-gateway"))).isTrue();
    try (var jars = Files.list(home.resolve("lib"))) {
      assertThat(jars.map(p -> p.getFileName().toString()))
          .anyMatch(n -> n.startsWith("exproto-server-")).anyMatch(n -> n.startsWith("picocli-"));
    }

    ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/exproto-gateway").toString(),
        "--listen", "tcp://127.0.0.1:0", "--adapter", "127.0.0.1:0")
        .directory(dir.toFile()).redirectErrorStream(true);
    pb.environment().put("JAVA_OPTS", "-Xmx128m");
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    Process gateway = pb.start();
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(
          new InputStreamReader(gateway.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          lines.add(line);
        }
      } catch (IOException ignored) {
        // the process ended
      }
    }, "dist-output");
    reader.setDaemon(true);
    reader.start();
    try {
      int port = -1;
      StringBuilder seen = new StringBuilder();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (port < 0 && System.nanoTime() < deadline) {
        String line = lines.poll(1, TimeUnit.SECONDS);
        if (line != null) {
          seen.append(line).append('\n');
          Matcher m = READY.matcher(line);
          if (m.find()) {
            port = Integer.parseInt(m.group(1));
          }
        }
        assertThat(gateway.isAlive() || !lines.isEmpty()).as("gateway exited:%n%s", seen)
            .isTrue();
      }
      assertThat(port).as("no ready line within 60 s:%n%s", seen).isPositive();

      try (TcpTestDevice device = TcpTestDevice.connect(new InetSocketAddress("127.0.0.1", port))) {
        assertThat(device.send("hello").readText(5, Duration.ofSeconds(10))).isEqualTo("hello");
      }

      gateway.destroy(); // SIGTERM: the script execs java, so it reaches the gateway itself
      assertThat(gateway.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(gateway.exitValue()).as("exit code after SIGTERM").isZero();
    } finally {
      gateway.destroyForcibly();
    }
  }
}
