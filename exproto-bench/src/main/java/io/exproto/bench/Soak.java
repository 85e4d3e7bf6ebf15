package io.exproto.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The {@code soak} command: a mixed workload for {@code --minutes N}, sampled every minute.
 *
 * <p>Three child JVMs: a gateway with the in-process {@link SoakHandler}, a gateway with a gRPC
 * unary handler, and that handler ({@link EchoFlow}: authenticate, subscribe, publish, deliver,
 * send). The gateways and the handler run with Netty's leak detector at PARANOID. The devices
 * ({@link SoakLoad}) churn, echo through both gateways, fan out pub/sub, let keepalives and idle
 * timeouts expire, take over client ids and get kicked; the gRPC handler is killed and restarted
 * every {@code --handler-restart} (default 3m).
 *
 * <p>First a warm-up ({@code --warmup}, default 2m) of the same load, then idle: the baseline
 * sample. After the soak, idle again: the final sample. It passes when each gateway's heap after
 * GC, RSS, file descriptors, threads and Netty direct memory are back within 5% of the baseline,
 * no callback was lost (every connection the in-process handler saw created was closed exactly
 * once, as many as the gateway accepted; the gRPC handler's created and closed counts agree), no
 * in-process scenario failed, no fan-out delivery went missing, and no leak was reported.
 * Prints the table; with {@code --out FILE} also (re)writes that file's "Soak" section.
 */
final class Soak {
  private static final Duration READY = Duration.ofSeconds(60);
  private static final Duration SETTLE = Duration.ofSeconds(15);
  /** Heap fixed and touched at start, so that RSS measures what is not heap. */
  private static final List<String> JVM = List.of("-Xms256m", "-Xmx256m",
      "-XX:+AlwaysPreTouch", "-Dio.netty.leakDetection.level=paranoid");

  private final int minutes;
  private final Duration warmup;
  private final Duration restartEvery;
  private final Path out;
  private final String command;
  private final List<String> notes = new ArrayList<>();
  private Child handler;
  private int handlerPort;
  private volatile long handlerDownSince;
  private volatile long handlerUpSince;

  Soak(BenchArgs a, String command) {
    minutes = a.integer("minutes", 30);
    warmup = a.duration("warmup", Duration.ofMinutes(2));
    restartEvery = a.duration("handler-restart", Duration.ofMinutes(3));
    out = a.has("out") ? Path.of(a.string("out", "")) : null;
    this.command = command;
  }

  /** One row: a minute's samples and counters. */
  private record Row(String label, ProcessSample inproc, ProcessSample grpc, String[] inprocStats,
      String[] grpcStats, long leaks, Map<String, Long> counts) {}

  int run() throws Exception {
    long t0 = System.nanoTime();
    handler = Child.start("soak-handler", JVM, "soak-handler", "--port", "0");
    handlerPort = Integer.parseInt(handler.expect("READY", READY).split(" ")[1]);
    try (Child inproc = Child.start("soak-gateway-inproc", JVM, "soak-gateway",
        "--handler", "inproc");
        Child grpc = Child.start("soak-gateway-grpc", JVM, "soak-gateway", "--handler", "unary",
            "--handler-address", "http://127.0.0.1:" + handlerPort)) {
      int inprocPort = port(inproc.expect("READY", READY), "tcp");
      String grpcReady = grpc.expect("READY", READY);
      int grpcPort = port(grpcReady, "tcp");
      String adapter = "adapter 127.0.0.1:" + port(grpcReady, "adapter");
      handler.ask(adapter, "OK", READY);
      handlerUpSince = System.nanoTime();
      SoakLoad load = new SoakLoad(inprocPort, grpcPort,
          cid -> ask(inproc, "kick " + cid, "KICKED").endsWith("true"), this::handlerSettled);

      System.out.println("== warm-up " + warmup.toSeconds() + " s");
      load.start();
      waitFor(warmup);
      load.stop();
      awaitIdle(inproc, grpc);
      load.snapshot();
      List<Row> rows = new ArrayList<>();
      Row baseline = sample("baseline", inproc, grpc, Map.of());
      rows.add(baseline);
      print(baseline);

      System.out.println("== soak " + minutes + " min");
      long restarts = 0;
      long nextRestart = System.nanoTime() + restartEvery.toNanos();
      load.start();
      long start = System.nanoTime();
      for (int m = 1; m <= minutes; m++) {
        long minuteEnd = start + TimeUnit.MINUTES.toNanos(m);
        while (System.nanoTime() < minuteEnd) {
          if (System.nanoTime() >= nextRestart) {
            restartHandler(adapter);
            restarts++;
            nextRestart = System.nanoTime() + restartEvery.toNanos();
          }
          waitFor(Duration.ofNanos(Math.max(0, Math.min(minuteEnd, nextRestart)
              - System.nanoTime())));
        }
        Map<String, Long> counts = new TreeMap<>(load.snapshot());
        counts.put("handler.restarts", restarts);
        restarts = 0;
        Row row = sample(String.valueOf(m), inproc, grpc, counts);
        rows.add(row);
        print(row);
      }
      load.stop();
      awaitIdle(inproc, grpc);
      Map<String, Long> tail = load.snapshot();
      // Idle pools let their threads go after a keep-alive (60 s for some): sample until every
      // figure is back within 5%, for at most two minutes.
      Row after = sample("after", inproc, grpc, tail);
      long settleUntil = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      while (!settled(baseline, after) && System.nanoTime() < settleUntil) {
        waitFor(Duration.ofSeconds(10));
        after = sample("after", inproc, grpc, tail);
      }
      rows.add(after);
      print(after);

      List<String> failures = verdict(baseline, after, rows, inproc, grpc, load);
      double totalMin = (System.nanoTime() - t0) / 60e9;
      String md = markdown(rows, failures, totalMin);
      System.out.println();
      System.out.println(md);
      if (out != null) {
        Sections.write(out, "## Soak", md);
        System.out.println("wrote the Soak section of " + out);
      }
      return failures.isEmpty() ? 0 : 1;
    } finally {
      handler.close();
    }
  }

  private boolean handlerSettled(long nanos) {
    // A failure up to 15 s after the handler came back is still the restart's: the gateway's
    // channel reconnects with backoff.
    long up = handlerUpSince;
    long down = handlerDownSince;
    return up > down && nanos - up > TimeUnit.SECONDS.toNanos(15);
  }

  private void restartHandler(String adapter) throws IOException, InterruptedException {
    handlerDownSince = System.nanoTime();
    handler.kill();
    handler = Child.start("soak-handler", JVM, "soak-handler", "--port",
        String.valueOf(handlerPort));
    handler.expect("READY", READY);
    handler.ask(adapter, "OK", READY);
    handlerUpSince = System.nanoTime();
    System.out.println("   handler restarted");
  }

  private static int port(String ready, String key) {
    for (String part : ready.split(" ")) {
      if (part.startsWith(key + "=")) {
        return Integer.parseInt(part.substring(key.length() + 1));
      }
    }
    throw new IllegalStateException("no " + key + " in " + ready);
  }

  private static String ask(Child c, String command, String prefix) throws Exception {
    synchronized (c) {
      return c.ask(command, prefix, READY);
    }
  }

  /** Bounded waits on a monitor, never a sleep loop on a condition. */
  private static void waitFor(Duration d) throws InterruptedException {
    Object o = new Object();
    long deadline = System.nanoTime() + d.toNanos();
    synchronized (o) {
      for (long left = d.toNanos(); left > 0; left = deadline - System.nanoTime()) {
        TimeUnit.NANOSECONDS.timedWait(o, left);
      }
    }
  }

  /** Waits (bounded) until both gateways have no connection left. */
  private static void awaitIdle(Child... gateways) throws Exception {
    long deadline = System.nanoTime() + SETTLE.toNanos() * 2;
    for (Child g : gateways) {
      while (Integer.parseInt(ask(g, "sample", "SAMPLE").split(" ")[6]) != 0
          && System.nanoTime() < deadline) {
        waitFor(Duration.ofMillis(500));
      }
    }
  }

  private Row sample(String label, Child inproc, Child grpc, Map<String, Long> counts)
      throws Exception {
    String[] a = ask(inproc, "sample", "SAMPLE").split(" ");
    String[] b = ask(grpc, "sample", "SAMPLE").split(" ");
    String[] h = ask(handler, "sample", "SAMPLE").split(" ");
    long leaks = Long.parseLong(a[10]) + Long.parseLong(b[10]) + Long.parseLong(h[6]);
    return new Row(label, ProcessSample.parse(a, 1), ProcessSample.parse(b, 1), a, b, leaks,
        counts);
  }

  private static void print(Row r) {
    System.out.printf(Locale.ROOT, "   %-8s inproc %s | grpc %s | conns %s/%s | leaks %d | %s%n",
        r.label(), brief(r.inproc()), brief(r.grpc()), r.inprocStats()[6], r.grpcStats()[6],
        r.leaks(), r.counts());
  }

  private static String brief(ProcessSample p) {
    return String.format(Locale.ROOT, "heap %.1f MB rss %.0f MB fds %d thr %d direct %.1f MB",
        mb(p.heapAfterGc()), mb(p.rss()), p.fds(), p.threads(), mb(p.nettyDirect()));
  }

  private static double mb(long bytes) {
    return bytes / 1048576.0;
  }

  private List<String> verdict(Row base, Row after, List<Row> rows, Child inproc, Child grpc,
      SoakLoad load) throws Exception {
    List<String> f = new ArrayList<>();
    within(f, "in-process gateway", base.inproc(), after.inproc());
    within(f, "gRPC gateway", base.grpc(), after.grpc());
    String[] a = after.inprocStats();
    long accepted = Long.parseLong(a[7]);
    long created = Long.parseLong(a[11]);
    long closed = Long.parseLong(a[12]);
    long unknown = Long.parseLong(a[13]);
    if (created != accepted || closed != created || unknown != 0) {
      f.add("in-process callbacks: gateway accepted " + accepted + ", handler saw " + created
          + " created, " + closed + " closed, " + unknown + " for unknown connections");
    }
    String[] h = ask(handler, "sample", "SAMPLE").split(" ");
    if (!h[7].equals(h[8])) {
      f.add("gRPC handler (since its last restart): " + h[7] + " created, " + h[8] + " closed");
    }
    if (!"0".equals(a[6]) || !"0".equals(after.grpcStats()[6])) {
      f.add("connections left open: " + a[6] + " and " + after.grpcStats()[6]);
    }
    long leaks = after.leaks();
    if (leaks != 0) {
      f.add("Netty leak detector (PARANOID) reported " + leaks + " leaks");
    }
    long missing = 0;
    long errors = 0;
    long grpcErrors = 0;
    for (Row r : rows) {
      missing += r.counts().getOrDefault("fanout.missing", 0L);
      for (Map.Entry<String, Long> e : r.counts().entrySet()) {
        if (e.getKey().startsWith("errors.") && !e.getKey().contains("grpc")) {
          errors += e.getValue();
        }
      }
      grpcErrors += r.counts().getOrDefault("errors.grpc", 0L);
    }
    if (missing != 0) {
      f.add(missing + " fan-out deliveries missing");
    }
    if (errors != 0) {
      f.add(errors + " in-process scenario errors, first: " + load.firstErrors);
    }
    notes.clear();
    if (grpcErrors != 0) {
      notes.add(grpcErrors + " gRPC device errors outside the 15 s after a handler restart"
          + " (not a failure: a device whose callback fails is closed, by design): "
          + load.firstErrors);
    }
    return f;
  }

  private static boolean settled(Row base, Row now) {
    List<String> f = new ArrayList<>();
    within(f, "", base.inproc(), now.inproc());
    within(f, "", base.grpc(), now.grpc());
    return f.isEmpty();
  }

  private static void within(List<String> f, String who, ProcessSample base, ProcessSample now) {
    check(f, who + " heap after GC", base.heapAfterGc(), now.heapAfterGc());
    check(f, who + " RSS", base.rss(), now.rss());
    check(f, who + " file descriptors", base.fds(), now.fds());
    check(f, who + " threads", base.threads(), now.threads());
    check(f, who + " Netty direct memory", base.nettyDirect(), now.nettyDirect());
  }

  private static void check(List<String> f, String what, long base, long now) {
    if (now > base * 1.05 && now != base) {
      f.add(String.format(Locale.ROOT, "%s: %d at baseline, %d after (+%.1f%%)", what, base, now,
          base == 0 ? 100.0 : (now - base) * 100.0 / base));
    }
  }

  private String markdown(List<Row> rows, List<String> failures, double totalMin) {
    StringBuilder sb = new StringBuilder();
    sb.append("## Soak\n\n");
    sb.append("```\n").append(command).append("\n```\n\n");
    sb.append(String.format(Locale.ROOT, "%d minutes of mixed load after a %d s warm-up (%.0f"
        + " minutes in all). Two gateway JVMs (-Xms256m -Xmx256m -XX:+AlwaysPreTouch, Netty leak detection"
        + " PARANOID): **A** with the in-process soak handler, **B** with a gRPC unary handler in"
        + " a third JVM that is killed and restarted every %d s. Devices: 6 echo loops on A and"
        + " 4 on B (50 echoes a connection), 4 churn loops (A and B), pub/sub fan-out on A (20"
        + " subscribers, one publisher, 500 messages a round), 2 keepalive-expiry loops, an idle"
        + " timeout loop, a client-id takeover loop and a management kick loop. Every minute"
        + " each gateway reports heap after full GCs, RSS, open file descriptors, threads and"
        + " the direct memory of Netty's allocator. \"baseline\" is idle after the warm-up,"
        + " \"after\" idle after the soak.\n\n", minutes, warmup.toSeconds(), totalMin,
        restartEvery.toSeconds()));
    sb.append("Machine:\n").append(Report.machine()).append("\n\n");
    sb.append("| min | heap MB A / B | RSS MB A / B | fds A / B | threads A / B | direct MB"
        + " A / B | conns A / B | echoes A / B | churn | fan-out delivered (missing) |"
        + " keepalive / idle expiries | takeovers / kicks | handler restarts | errors A / B (B"
        + " within 15 s of a restart) | leaks |\n");
    sb.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Row r : rows) {
      Map<String, Long> c = r.counts();
      long errors = 0;
      for (Map.Entry<String, Long> e : c.entrySet()) {
        if (e.getKey().startsWith("errors.") && !e.getKey().contains("grpc")) {
          errors += e.getValue();
        }
      }
      sb.append(String.format(Locale.ROOT,
          "| %s | %.1f / %.1f | %.0f / %.0f | %d / %d | %d / %d | %.1f / %.1f | %s / %s |"
              + " %d / %d | %d | %d (%d) | %d / %d | %d / %d | %d | %d / %d (%d) | %d |%n",
          r.label(), mb(r.inproc().heapAfterGc()), mb(r.grpc().heapAfterGc()),
          mb(r.inproc().rss()), mb(r.grpc().rss()), r.inproc().fds(), r.grpc().fds(),
          r.inproc().threads(), r.grpc().threads(), mb(r.inproc().nettyDirect()),
          mb(r.grpc().nettyDirect()), r.inprocStats()[6], r.grpcStats()[6],
          g(c, "echo.inproc"), g(c, "echo.grpc"), g(c, "churn.inproc") + g(c, "churn.grpc"),
          g(c, "fanout.delivered"), g(c, "fanout.missing"), g(c, "keepalive.expired"),
          g(c, "idle.expired"), g(c, "takeover.discarded"), g(c, "kick.closed"),
          g(c, "handler.restarts"), errors, g(c, "errors.grpc"),
          g(c, "errors.grpc-during-restart"), r.leaks()));
    }
    sb.append('\n');
    if (failures.isEmpty()) {
      sb.append("**Pass**: after the load every figure of both gateways is back within 5% of"
          + " its baseline, every connection the in-process handler saw created was closed"
          + " exactly once (as many as the gateway accepted), the gRPC handler's created and"
          + " closed counts agree, no fan-out delivery went missing and the leak detector"
          + " reported nothing.\n");
    } else {
      sb.append("**Fail**:\n\n");
      for (String s : failures) {
        sb.append("- ").append(s).append('\n');
      }
    }
    for (String n : notes) {
      sb.append("\nNote: ").append(n).append('\n');
    }
    return sb.toString();
  }

  private static long g(Map<String, Long> c, String k) {
    return c.getOrDefault(k, 0L);
  }
}
