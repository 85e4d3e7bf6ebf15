package io.exproto.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Counts a process's system calls, by name, over a measured window with {@code strace -c -f}
 * (every thread): attached when the window opens, detached when it closes. strace stops the
 * traced threads at every call, so the process runs several times slower meanwhile and batches
 * differently (more events per epoll wake-up): counts per message are indicative, and the
 * load's result over such a window is not a throughput figure. Not thread-safe.
 */
final class SyscallCount implements Window {
  private static final long ATTACH_MILLIS = 700;

  private final long pid;
  private Path out;
  private Process strace;
  private final Map<String, Long> calls = new LinkedHashMap<>();

  SyscallCount(long pid) {
    this.pid = pid;
  }

  /** Whether strace can be run here. */
  static boolean available() {
    try {
      Process p = new ProcessBuilder("strace", "-V").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public void start() {
    try {
      out = Files.createTempFile("exproto-bench-strace", ".txt");
      strace = new ProcessBuilder("strace", "-c", "-f", "-q", "-p", String.valueOf(pid), "-o",
          out.toString()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      // No sign tells when every thread is attached; the window opens a little later instead.
      TimeUnit.MILLISECONDS.sleep(ATTACH_MILLIS);
    } catch (IOException e) {
      throw new IllegalStateException("could not start strace: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void stop() {
    if (strace == null) {
      return;
    }
    try {
      strace.destroy(); // SIGTERM: strace detaches and writes its summary
      if (!strace.waitFor(30, TimeUnit.SECONDS)) {
        strace.destroyForcibly();
        throw new IllegalStateException("strace did not stop");
      }
      calls.putAll(parse(Files.readString(out, StandardCharsets.UTF_8)));
      Files.deleteIfExists(out);
    } catch (IOException e) {
      throw new IllegalStateException("could not read strace's summary: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The calls counted, by system call name, most first. */
  Map<String, Long> calls() {
    return new LinkedHashMap<>(calls);
  }

  /**
   * The call counts of a {@code strace -c} summary: the table's rows are {@code % time, seconds,
   * usecs/call, calls, [errors,] syscall}; the total row is left out.
   */
  static Map<String, Long> parse(String summary) {
    Map<String, Long> m = new LinkedHashMap<>();
    for (String line : summary.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length < 5 || !f[0].matches("[0-9.]+") || f[f.length - 1].equals("total")) {
        continue;
      }
      m.merge(f[f.length - 1], Long.parseLong(f[3]), Long::sum);
    }
    return m;
  }
}
