package io.exproto.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code examples/python/echo_handler.py} run as a subprocess with Debian's {@code /usr/bin/python3}
 * (the one with {@code python3-grpcio} and {@code python3-grpc-tools}). Its stdout and stderr are
 * collected line by line by a reader thread, so tests can wait for the lines it prints.
 */
final class PythonHandlerProcess implements AutoCloseable {

  /** The interpreter: Debian's, not whatever {@code python3} comes first on PATH. */
  static final Path PYTHON = Path.of("/usr/bin/python3");

  private static final Pattern READY =
      Pattern.compile("^python handler ready on 127\\.0\\.0\\.1:(\\d+)\\b.*");
  private static final Duration STOP_GRACE = Duration.ofSeconds(5);

  private final Process process;
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Integer> ready = new CompletableFuture<>();
  private final int port;

  private PythonHandlerProcess(List<String> command, Duration readyTimeout) throws IOException {
    this.process = new ProcessBuilder(command).redirectErrorStream(true).start();
    Thread reader = new Thread(this::readOutput, "python-handler-output-" + process.pid());
    reader.setDaemon(true);
    reader.start();
    try {
      this.port = ready.get(readyTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      close();
      throw new IllegalStateException("the python handler printed no ready line within "
          + readyTimeout + "; its output:\n" + output());
    } catch (ExecutionException e) {
      close();
      throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      close();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the python handler", e);
    }
  }

  /**
   * True if {@link #PYTHON} exists and imports {@code grpc} and {@code grpc_tools} (within 30 s).
   */
  static boolean runtimeAvailable() {
    if (!Files.isExecutable(PYTHON)) {
      return false;
    }
    try {
      Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import grpc, grpc_tools")
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return false;
      }
      return p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Starts the handler on a free port of 127.0.0.1 and waits for its ready line.
   *
   * @param service {@code ConnectionUnaryHandler} or {@code ConnectionHandler}
   * @param adapterPort the gateway's ConnectionAdapter port on 127.0.0.1
   * @param keepaliveSeconds the interval the handler passes to StartTimer
   * @throws IllegalStateException with the process output if it exits or stays silent first
   */
  static PythonHandlerProcess start(String service, int adapterPort, int keepaliveSeconds,
      Duration readyTimeout) throws IOException {
    Path script = scriptPath();
    if (!Files.isRegularFile(script)) {
      throw new IllegalStateException("the python handler is not at " + script.toAbsolutePath());
    }
    return new PythonHandlerProcess(List.of(PYTHON.toString(), "-u", script.toString(),
        "--port", "0",
        "--adapter", "127.0.0.1:" + adapterPort,
        "--keepalive", Integer.toString(keepaliveSeconds),
        "--service", service), readyTimeout);
  }

  /** The script, found from the examples module's folder (Surefire runs tests there). */
  private static Path scriptPath() {
    String moduleDir = System.getProperty("basedir", System.getProperty("user.dir"));
    return Path.of(moduleDir, "python", "echo_handler.py");
  }

  private void readOutput() {
    try (BufferedReader in = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        lines.add(line);
        Matcher m = READY.matcher(line);
        if (m.matches()) {
          ready.complete(Integer.parseInt(m.group(1)));
        }
      }
    } catch (IOException e) {
      // the stream closes when the process is destroyed; what was read is kept
    }
    String exit;
    try {
      exit = process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)
          ? "exited with code " + process.exitValue() : "closed its output";
    } catch (InterruptedException e) {
      exit = "closed its output";
    }
    ready.completeExceptionally(new IllegalStateException("the python handler " + exit
        + " before it was ready; its output:\n" + output()));
  }

  /** The port the handler serves on, on 127.0.0.1. */
  int port() {
    return port;
  }

  /** The handler's address in the form the gateway's handler binding takes. */
  String url() {
    return "http://127.0.0.1:" + port;
  }

  /** Every line printed so far, in order. */
  List<String> lines() {
    return new ArrayList<>(lines);
  }

  /** Every line printed so far, joined, for failure messages. */
  String output() {
    return String.join("\n", lines);
  }

  /** Stops the handler: SIGTERM, a bounded wait, then SIGKILL. Idempotent. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
