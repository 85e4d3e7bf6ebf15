package io.exproto.bench;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * What a soak child reports about its own JVM: heap used after full GCs, resident set size, open
 * file descriptors and threads (from /proc; -1 where there is none), and the direct memory Netty's
 * default allocator holds in use.
 */
record ProcessSample(long heapAfterGc, long rss, int fds, int threads, long nettyDirect) {

  /** Samples this JVM (runs full GCs first; takes about a second). */
  static ProcessSample now() throws InterruptedException {
    long heap = ChildMains.heapAfterGc();
    long direct = ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider p
        ? p.metric().usedDirectMemory() : -1;
    return new ProcessSample(heap, statusKb("VmRSS:") * 1024, countFds(),
        ManagementFactory.getThreadMXBean().getThreadCount(), direct);
  }

  /** {@code heap rss fds threads direct}, space-separated. */
  String toLine() {
    return heapAfterGc + " " + rss + " " + fds + " " + threads + " " + nettyDirect;
  }

  static ProcessSample parse(String[] f, int from) {
    return new ProcessSample(Long.parseLong(f[from]), Long.parseLong(f[from + 1]),
        Integer.parseInt(f[from + 2]), Integer.parseInt(f[from + 3]),
        Long.parseLong(f[from + 4]));
  }

  private static long statusKb(String key) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(key)) {
          return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return -1;
  }

  private static int countFds() {
    try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
      return (int) s.count();
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
