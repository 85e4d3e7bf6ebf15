package io.exproto.server.http;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The standalone gateway jar ({@code target/exproto-gateway.jar}, built by the package phase
 * before these integration tests run) in a process of its own: started with arguments, its
 * ready line parsed for the bound addresses, stopped with SIGTERM.
 */
final class GatewayProcess implements AutoCloseable {
  static final Path JAR = Path.of("target", "exproto-gateway.jar");

  private final Process process;
  private final Map<String, InetSocketAddress> addresses = new HashMap<>();
  private final StringBuffer stderr = new StringBuffer();

  private GatewayProcess(Process process) {
    this.process = process;
  }

  static GatewayProcess start(List<String> args, Map<String, String> env) throws Exception {
    if (!Files.isRegularFile(JAR)) {
      throw new IllegalStateException(JAR.toAbsolutePath() + " is missing: run the package"
          + " phase (mvn verify) so the integration tests run against the built jar");
    }
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin",
        "java").toString(), "-Xmx256m", "-jar", JAR.toString()));
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putAll(env);
    GatewayProcess g = new GatewayProcess(pb.start());
    g.awaitReady(Duration.ofSeconds(30));
    return g;
  }

  private void awaitReady(Duration timeout) throws Exception {
    CompletableFuture<String> ready = new CompletableFuture<>();
    Thread out = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          if (line.startsWith("exproto gateway ready:")) {
            ready.complete(line);
          }
        }
      } catch (IOException e) {
        ready.completeExceptionally(e);
      }
      ready.completeExceptionally(new IllegalStateException("the gateway exited before it was"
          + " ready; stderr:\n" + stderr));
    }, "gateway-stdout");
    out.setDaemon(true);
    out.start();
    Thread err = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(),
          StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          stderr.append(line).append('\n');
        }
      } catch (IOException e) {
        // the process ended
      }
    }, "gateway-stderr");
    err.setDaemon(true);
    err.start();
    String line;
    try {
      line = ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      process.destroyForcibly();
      throw new IllegalStateException("no ready line within " + timeout + "; stderr:\n" + stderr);
    }
    for (String part : line.substring(line.indexOf(':') + 1).trim().split(" ")) {
      int eq = part.indexOf('=');
      int colon = part.lastIndexOf(':');
      if (eq > 0 && colon > eq) {
        try {
          addresses.put(part.substring(0, eq), new InetSocketAddress("127.0.0.1",
              Integer.parseInt(part.substring(colon + 1))));
        } catch (NumberFormatException notAnAddress) {
          // handler=in-process echo and the like
        }
      }
    }
  }

  /** A bound address from the ready line: {@code tcp}, {@code adapter}, {@code http}, ... */
  InetSocketAddress address(String name) {
    InetSocketAddress a = addresses.get(name);
    if (a == null) {
      throw new IllegalStateException("no " + name + " in the ready line: " + addresses);
    }
    return a;
  }

  String stderr() {
    return stderr.toString();
  }

  @Override
  public void close() throws Exception {
    process.destroy(); // SIGTERM: a graceful stop
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }
}
