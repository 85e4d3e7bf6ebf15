package io.exproto.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import one.profiler.AsyncProfiler;

/**
 * Where a child JVM's CPU goes over a measured window, sampled by async-profiler in the child
 * (CPU timer, every {@value #INTERVAL_MICROS} µs of a thread's CPU time, so an idle thread is
 * never sampled) on the gateway's threads only (named {@value #THREADS}...). Each sample counts
 * once in every part of {@link #PARTS} whose code its stack holds, so the parts overlap; {@link
 * #LIBRARIES} instead puts each sample in one library, the one whose Java code the thread was
 * running (for a system call, the Java method that made it). The child starts and stops the
 * profiler on the harness's {@code profile-start} and {@code profile-stop PATH} commands (see
 * {@link #command}); where async-profiler cannot load (not Linux x64) the child answers an
 * error and the harness notes it. Not thread-safe.
 */
final class CpuProfile implements Window {
  static final int INTERVAL_MICROS = 1000;

  /** The prefix of the names of the gateway's threads, the only ones counted. */
  static final String THREADS = "exproto-";

  /** Parts of the work, by a class name prefix found anywhere in a sample's stack. */
  static final Map<String, List<String>> PARTS = partPrefixes();

  /** Libraries, by the class name prefix of a sample's top Java frame; first match wins. */
  static final Map<String, List<String>> LIBRARIES = libraryPrefixes();

  private static Map<String, List<String>> partPrefixes() {
    Map<String, List<String>> m = new LinkedHashMap<>();
    m.put("device sockets (read, write)",
        List.of("io.exproto.transport.netty.internal.ChannelLink"));
    m.put("gRPC reads: HTTP/2 frames in, calls and answers delivered",
        List.of("io.netty.handler.codec.http2.Http2ConnectionHandler.decode",
            "io.netty.handler.codec.http2.DefaultHttp2ConnectionDecoder"));
    m.put("gRPC writes: frames out, flushes", List.of("io.grpc.netty.WriteQueue"));
    m.put("handler callbacks: calls started",
        List.of("io.exproto.grpc.internal.UnaryHandlerClient",
            "io.exproto.grpc.internal.StreamingHandlerClient"));
    m.put("adapter calls: served by the engine", List.of("io.exproto.grpc.internal.AdapterService"));
    m.put("the engine (connections, queues, broker)", List.of("io.exproto.gateway.",
        "io.exproto.broker."));
    m.put("protobuf (parse, serialise)", List.of("com.google.protobuf.", "io.exproto.grpc.v1."));
    m.put("HPACK (header compression)", List.of("io.netty.handler.codec.http2.Hpack"));
    m.put("CompletableFuture", List.of("java.util.concurrent.CompletableFuture"));
    m.put("Netty's leak detector (sampling)", List.of("io.netty.util.ResourceLeakDetector"));
    m.put("system calls (send, recv, writev)", List.of("io.netty.channel.unix.Socket.send",
        "io.netty.channel.unix.Socket.recv", "io.netty.channel.unix.FileDescriptor.write",
        "io.netty.channel.unix.FileDescriptor.read", "io.netty.channel.unix.Socket.read",
        "io.netty.channel.unix.Socket.write"));
    return m;
  }

  private static Map<String, List<String>> libraryPrefixes() {
    Map<String, List<String>> m = new LinkedHashMap<>();
    // The generated protobuf classes live under io.exproto: protobuf is matched first.
    m.put("protobuf", List.of("com.google.protobuf.", "io.exproto.grpc.v1."));
    m.put("exproto", List.of("io.exproto."));
    m.put("gRPC", List.of("io.grpc."));
    m.put("Netty HTTP/2", List.of("io.netty.handler.codec.http2."));
    m.put("Netty native I/O (system calls)", List.of("io.netty.channel.unix.",
        "io.netty.channel.epoll."));
    m.put("Netty (buffers, pipeline, event loop)", List.of("io.netty."));
    m.put("JDK", List.of("java.", "jdk.", "sun."));
    return m;
  }

  private final Child child;
  private final Path out;
  private final Map<String, Long> parts = new LinkedHashMap<>();
  private final Map<String, Long> libraries = new LinkedHashMap<>();
  private long samples;
  private long startedCpuNanos;
  private long cpuNanos = -1;

  CpuProfile(Child child) throws IOException {
    this.child = child;
    this.out = Files.createTempFile("exproto-bench-profile", ".collapsed");
  }

  @Override
  public void start() {
    try {
      answered(child.ask("profile-start", "", Duration.ofSeconds(30)));
      startedCpuNanos = CpuMeter.cpuNanos(child.handle());
    } catch (IOException e) {
      throw new IllegalStateException("could not start profiling: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void stop() {
    try {
      long now = CpuMeter.cpuNanos(child.handle());
      cpuNanos = startedCpuNanos >= 0 && now >= startedCpuNanos ? now - startedCpuNanos : -1;
      answered(child.ask("profile-stop " + out, "", Duration.ofSeconds(60)));
      read(Files.readAllLines(out));
      Files.deleteIfExists(out);
    } catch (IOException e) {
      throw new IllegalStateException("could not read the profile: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void answered(String line) {
    if (!line.startsWith("PROFIL")) {
      throw new IllegalStateException("the child could not profile: " + line);
    }
  }

  /**
   * Reads async-profiler's collapsed stacks: a line a stack, {@code [thread];root;...;leaf
   * count}, frames as {@code package/Class.method}.
   */
  void read(List<String> lines) {
    for (String line : lines) {
      int space = line.lastIndexOf(' ');
      if (space < 0 || !line.startsWith("[" + THREADS)) {
        continue;
      }
      long count = Long.parseLong(line.substring(space + 1).trim());
      List<String> frames = new ArrayList<>(List.of(line.substring(0, space).split(";")));
      frames.remove(0); // the thread
      Collections.reverse(frames);
      for (int i = 0; i < frames.size(); i++) {
        frames.set(i, frameName(frames.get(i)));
      }
      add(frames, count);
    }
  }

  /**
   * A frame as {@code package.Class.method}. The generated service stubs ({@code
   * io.exproto.grpc.v1.*Grpc}) are gRPC's call dispatch, not protobuf: they are named as gRPC's.
   */
  static String frameName(String collapsed) {
    String f = collapsed.replace('/', '.');
    if (f.startsWith(GENERATED) && f.substring(GENERATED.length()).matches("\\w+Grpc\\b.*")) {
      return "io.grpc.generated." + f.substring(GENERATED.length());
    }
    return f;
  }

  private static final String GENERATED = "io.exproto.grpc.v1.";

  /** Counts {@code count} samples of one stack, frames top first. */
  void add(List<String> frames, long count) {
    if (frames.isEmpty() || frames.get(0).contains("epoll_wait")
        || frames.get(0).contains("epoll_pwait")) {
      return;
    }
    samples += count;
    PARTS.forEach((part, prefixes) -> {
      if (frames.stream().anyMatch(f -> prefixes.stream().anyMatch(f::startsWith))) {
        parts.merge(part, count, Long::sum);
      }
    });
    String top = frames.stream().filter(f -> f.contains(".") && !f.startsWith("["))
        .findFirst().orElse("");
    String library = "other";
    for (Map.Entry<String, List<String>> l : LIBRARIES.entrySet()) {
      if (l.getValue().stream().anyMatch(top::startsWith)) {
        library = l.getKey();
        break;
      }
    }
    libraries.merge(library, count, Long::sum);
  }

  /** The samples counted. */
  long samples() {
    return samples;
  }

  /** Samples by part of the work (overlapping). */
  Map<String, Long> parts() {
    return new LinkedHashMap<>(parts);
  }

  /** Samples by library (each sample once). */
  Map<String, Long> libraries() {
    return new LinkedHashMap<>(libraries);
  }

  /** The child's CPU time over the window, or -1. */
  long cpuNanosUsed() {
    return cpuNanos;
  }

  private static AsyncProfiler profiler;

  /**
   * A child's {@code profile-start} ({@code PROFILING}) and {@code profile-stop PATH} ({@code
   * PROFILED}, collapsed stacks written to PATH); {@code ERROR ...} when async-profiler cannot
   * load here.
   */
  static synchronized String command(String command) {
    try {
      if (profiler == null) {
        profiler = load();
      }
      if (command.equals("profile-start")) {
        profiler.execute("start,event=ctimer,interval=" + INTERVAL_MICROS + "us,threads");
        return "PROFILING";
      }
      String path = command.substring("profile-stop ".length());
      profiler.execute("stop,file=" + path + ",collapsed");
      return "PROFILED";
    } catch (IOException | RuntimeException | UnsatisfiedLinkError e) {
      return "ERROR " + e;
    }
  }

  /** async-profiler from its library in the class path, copied to a file for loading. */
  private static AsyncProfiler load() throws IOException {
    String arch = System.getProperty("os.arch");
    if (!System.getProperty("os.name").startsWith("Linux")
        || !(arch.equals("amd64") || arch.equals("x86_64"))) {
      throw new IOException("async-profiler is bundled for Linux x64 only");
    }
    Path lib = Files.createTempFile("libasyncProfiler", ".so");
    lib.toFile().deleteOnExit();
    try (var in = CpuProfile.class.getResourceAsStream("/linux-x64/libasyncProfiler.so")) {
      if (in == null) {
        throw new IOException("linux-x64/libasyncProfiler.so is not in the class path");
      }
      Files.copy(in, lib, StandardCopyOption.REPLACE_EXISTING);
    }
    return AsyncProfiler.getInstance(lib.toString());
  }
}
