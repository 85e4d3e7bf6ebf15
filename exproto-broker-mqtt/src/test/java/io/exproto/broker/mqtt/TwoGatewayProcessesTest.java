package io.exproto.broker.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two gateway processes (each its own JVM, see {@link BridgeNodeMain}) on one Mosquitto: devices
 * on different nodes talk through the broker, and a client id that connects on node 2 closes its
 * device on node 1 with the taken-over reason.
 */
class TwoGatewayProcessesTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  @TempDir
  Path dir;
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  /** A node process and what it printed, line by line. */
  private final class Node implements AutoCloseable {
    final Process process;
    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    final int port;

    Node(String url) throws Exception {
      process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java")
          .toString(), "-Xmx128m", "-cp", System.getProperty("java.class.path"),
          BridgeNodeMain.class.getName(), url, "bridge", "bridgepw")
          .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("node.err").toFile()))
          .start();
      Thread reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
            process.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line; (line = r.readLine()) != null; ) {
            lines.add(line);
          }
        } catch (java.io.IOException ignored) {
          // the process ended
        }
      }, "node-stdout");
      reader.setDaemon(true);
      reader.start();
      String ready = next(line -> line.startsWith("READY "));
      port = Integer.parseInt(ready.substring(6).trim());
    }

    String next(java.util.function.Predicate<String> p) throws Exception {
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (true) {
        String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (line == null) {
          throw new AssertionError("node printed nothing matching within " + WAIT
              + "; stderr in " + dir.resolve("node.err"));
        }
        if (p.test(line)) {
          return line;
        }
      }
    }

    @Override
    public void close() throws Exception {
      process.destroy(); // SIGTERM: nothing to keep once the test is over
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /** A TCP device speaking the node's line protocol. */
  private static final class Device implements AutoCloseable {
    final Socket socket = new Socket();
    final BufferedReader in;
    final OutputStream out;

    Device(int port) throws Exception {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      socket.setSoTimeout((int) WAIT.toMillis());
      in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
          StandardCharsets.UTF_8));
      out = socket.getOutputStream();
    }

    String call(String line) throws Exception {
      out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      return in.readLine();
    }

    @Override
    public void close() throws Exception {
      socket.close();
    }
  }

  @Test
  void devicesOnTwoNodesTalkAndAClientIdMovingToNode2ClosesItOnNode1() throws Exception {
    Assumptions.assumeTrue(MosquittoProcess.available(), MosquittoProcess.MISSING);
    MosquittoProcess mosquitto = MosquittoProcess.start(dir.resolve("mosquitto"), null);
    open.add(mosquitto);
    Node node1 = new Node(mosquitto.url());
    open.add(node1);
    Node node2 = new Node(mosquitto.url());
    open.add(node2);

    Device alice = new Device(node1.port);
    open.add(alice);
    Device bob = new Device(node2.port);
    open.add(bob);
    assertThat(alice.call("auth alice dev1 pw1")).isEqualTo("ok");
    assertThat(bob.call("auth bob dev2 pw2")).isEqualTo("ok");
    assertThat(alice.call("sub chat/alice")).isEqualTo("ok");
    assertThat(bob.call("sub chat/bob")).isEqualTo("ok");
    assertThat(alice.call("pub chat/bob hello from node 1")).isEqualTo("ok");
    assertThat(bob.in.readLine()).isEqualTo("msg chat/bob hello from node 1");
    assertThat(bob.call("pub chat/alice hello from node 2")).isEqualTo("ok");
    assertThat(alice.in.readLine()).isEqualTo("msg chat/alice hello from node 2");

    // alice connects again, on node 2: node 1 closes its alice as taken over.
    Device alice2 = new Device(node2.port);
    open.add(alice2);
    assertThat(alice2.call("auth alice dev1 pw1")).isEqualTo("ok");
    assertThat(node1.next(line -> line.startsWith("CLOSED alice ")))
        .isEqualTo("CLOSED alice {shutdown,discarded}");
    assertThat(alice.in.readLine()).isNull(); // node 1 closed the socket
    assertThat(alice2.call("sub chat/alice")).isEqualTo("ok");
    assertThat(bob.call("pub chat/alice still there?")).isEqualTo("ok");
    assertThat(alice2.in.readLine()).isEqualTo("msg chat/alice still there?");
  }
}
