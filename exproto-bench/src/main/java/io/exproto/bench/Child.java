package io.exproto.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM running one of {@link ChildMains}: same java binary and class path as this JVM.
 * Its stdout lines are queued for {@link #expect}; its stderr goes to this JVM's stderr.
 * {@link #close()} asks it to quit, then destroys it.
 */
final class Child implements AutoCloseable {
  private final String name;
  private final Process process;
  private final Writer stdin;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

  private Child(String name, Process process) {
    this.name = name;
    this.process = process;
    this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          lines.add(line);
        }
      } catch (IOException e) {
        // the child ended
      }
      lines.add("EOF");
    }, "bench-child-" + name);
    reader.setDaemon(true);
    reader.start();
  }

  /** The java binary this JVM runs on. */
  static String javaBinary() {
    return ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  /** Starts {@code BenchMain command args...} with {@code jvmArgs}. */
  static Child start(String name, List<String> jvmArgs, String... commandAndArgs)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(javaBinary());
    cmd.addAll(jvmArgs);
    cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=error");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(BenchMain.class.getName());
    cmd.addAll(List.of(commandAndArgs));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    return new Child(name, p);
  }

  /** The process, for its CPU time. */
  ProcessHandle handle() {
    return process.toHandle();
  }

  /** Waits for the next stdout line starting with {@code prefix}; skips others. */
  String expect(String prefix, Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      String line = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
      if (line == null) {
        throw new IOException(name + ": no '" + prefix + "' line within " + timeout);
      }
      if (line.equals("EOF")) {
        throw new IOException(name + " ended (exit " + exitCode() + ") before '" + prefix + "'");
      }
      if (line.startsWith(prefix)) {
        return line;
      }
    }
  }

  /** Sends one command line. */
  void send(String line) throws IOException {
    stdin.write(line + "\n");
    stdin.flush();
  }

  /** Sends {@code command} and returns the answer line starting with {@code prefix}. */
  String ask(String command, String prefix, Duration timeout)
      throws IOException, InterruptedException {
    send(command);
    return expect(prefix, timeout);
  }

  /** Kills the process at once (SIGKILL), as a crash would, and waits for it to end. */
  void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }

  private String exitCode() {
    return process.isAlive() ? "still running" : String.valueOf(process.exitValue());
  }

  @Override
  public void close() {
    try {
      if (process.isAlive()) {
        send("quit");
      }
    } catch (IOException e) {
      // already gone
    }
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
