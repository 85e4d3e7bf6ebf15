package io.exproto.bench;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * The soak's devices: blocking sockets on their own threads, each thread looping one scenario
 * against the in-process gateway (the {@link SoakHandler} line protocol) or the gRPC one (the
 * {@link EchoFlow} echo), counting what succeeded and what failed. {@link #start()} and
 * {@link #stop()} may be called repeatedly; counters accumulate until {@link #snapshot()} resets
 * them.
 */
final class SoakLoad {
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(20);
  private static final int FANOUT_SUBSCRIBERS = 20;
  private static final int FANOUT_MESSAGES = 500;

  /** Asks the in-process gateway to kick a client; true if it had one. */
  interface Kicker {
    boolean kick(String clientId) throws Exception;
  }

  private final int inprocPort;
  private final int grpcPort;
  private final Kicker kicker;
  private final Predicate<Long> handlerSettled;
  private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean running;
  final List<String> firstErrors = Collections.synchronizedList(new ArrayList<>());

  /**
   * @param handlerSettled given a System.nanoTime() of a gRPC failure, whether the gRPC handler
   *     was up and settled then (failures outside that window are expected: it was restarting)
   */
  SoakLoad(int inprocPort, int grpcPort, Kicker kicker, Predicate<Long> handlerSettled) {
    this.inprocPort = inprocPort;
    this.grpcPort = grpcPort;
    this.kicker = kicker;
    this.handlerSettled = handlerSettled;
  }

  synchronized void start() {
    running = true;
    for (int i = 0; i < 6; i++) {
      spawn("echo-inproc-" + i, this::echoInproc);
    }
    for (int i = 0; i < 4; i++) {
      spawn("echo-grpc-" + i, this::echoGrpc);
    }
    for (int i = 0; i < 2; i++) {
      spawn("churn-inproc-" + i, () -> churn(true));
      spawn("churn-grpc-" + i, () -> churn(false));
    }
    spawn("fanout", this::fanout);
    for (int i = 0; i < 2; i++) {
      spawn("keepalive-" + i, this::keepalive);
    }
    spawn("idle", this::idle);
    spawn("takeover", this::takeover);
    spawn("kick", this::kick);
  }

  /** Stops every device thread and waits for them (each ends within its read timeout). */
  synchronized void stop() throws InterruptedException {
    running = false;
    for (Thread t : threads) {
      t.join(READ_TIMEOUT.toMillis() * 3);
    }
    threads.clear();
  }

  /** The counters since the last snapshot, by name, then zeroed. */
  Map<String, Long> snapshot() {
    Map<String, Long> out = new TreeMap<>();
    counts.forEach((k, v) -> out.put(k, v.sumThenReset()));
    return out;
  }

  private void count(String what) {
    counts.computeIfAbsent(what, k -> new LongAdder()).increment();
  }

  private void count(String what, long n) {
    counts.computeIfAbsent(what, k -> new LongAdder()).add(n);
  }

  private interface Scenario {
    void once() throws Exception;
  }

  private void spawn(String name, Scenario s) {
    Thread t = new Thread(() -> {
      while (running) {
        try {
          s.once();
        } catch (Exception e) {
          boolean grpc = name.contains("grpc");
          if (grpc && !handlerSettled.test(System.nanoTime())) {
            count("errors.grpc-during-restart");
          } else if (grpc) {
            count("errors.grpc");
            if (firstErrors.size() < 40) {
              firstErrors.add(name + ": " + e);
            }
          } else {
            count("errors." + name.replaceAll("-\\d+$", ""));
            if (firstErrors.size() < 20) {
              firstErrors.add(name + ": " + e);
            }
          }
          // back off a little: a failing target should not be hammered in a tight loop
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
        }
      }
    }, "soak-" + name);
    t.setDaemon(true);
    threads.add(t);
    t.start();
  }

  // ---------------------------------------------------------------- scenarios

  private void echoInproc() throws IOException {
    try (Dev d = new Dev(inprocPort)) {
      d.expectOk("A e-" + ids.incrementAndGet());
      for (int i = 0; i < 50 && running; i++) {
        String line = "E " + i + " " + "x".repeat(48);
        d.send(line);
        d.expectLine(line);
        count("echo.inproc");
      }
    }
  }

  private void echoGrpc() throws IOException {
    try (Dev d = new Dev(grpcPort)) {
      byte[] payload = new byte[64];
      for (int i = 0; i < 50 && running; i++) {
        Arrays.fill(payload, (byte) ('a' + i % 26));
        d.write(payload);
        d.expectBytes(payload);
        count("echo.grpc");
      }
    }
  }

  private void churn(boolean inproc) throws IOException {
    try (Dev d = new Dev(inproc ? inprocPort : grpcPort)) {
      if (inproc) {
        d.send("E churn");
        d.expectLine("E churn");
      } else {
        byte[] p = "churn-payload".getBytes(StandardCharsets.US_ASCII);
        d.write(p);
        d.expectBytes(p);
      }
      count(inproc ? "churn.inproc" : "churn.grpc");
    }
  }

  /**
   * Subscribes {@value #FANOUT_SUBSCRIBERS} devices to one topic, publishes
   * {@value #FANOUT_MESSAGES} messages (about 50 a second) from another, and checks that every
   * subscriber got every message.
   */
  private void fanout() throws Exception {
    String topic = "soak/fan/" + ids.incrementAndGet();
    List<Dev> subs = new ArrayList<>();
    List<Thread> readers = new ArrayList<>();
    LongAdder received = new LongAdder();
    try {
      for (int i = 0; i < FANOUT_SUBSCRIBERS; i++) {
        Dev s = new Dev(inprocPort);
        subs.add(s);
        s.expectOk("A fan-" + ids.incrementAndGet());
        s.expectOk("S " + topic);
      }
      for (Dev s : subs) {
        Thread r = new Thread(() -> {
          try {
            for (int n = 0; n < FANOUT_MESSAGES; n++) {
              String line = s.readLine();
              if (line == null || !line.startsWith("M " + topic + " ")) {
                return;
              }
              received.increment();
            }
          } catch (IOException e) {
            // counted as missing
          }
        }, "soak-fanout-reader");
        r.setDaemon(true);
        r.start();
        readers.add(r);
      }
      int published = 0;
      // Connected only now: a device silent for the idle timeout (3 s) is closed, and setting up
      // the subscribers can take that long on a busy machine.
      try (Dev pub = new Dev(inprocPort)) {
        pub.expectOk("A fan-pub-" + ids.incrementAndGet());
        for (; published < FANOUT_MESSAGES; published++) {
          pub.expectOk("P " + topic + " m" + published);
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
      }
      for (Thread r : readers) {
        r.join(READ_TIMEOUT.toMillis());
      }
      long expected = (long) published * FANOUT_SUBSCRIBERS;
      count("fanout.published", published);
      count("fanout.delivered", received.sum());
      count("fanout.missing", expected - received.sum());
    } finally {
      for (Dev s : subs) {
        s.close();
      }
    }
  }

  /** A keepalive of 1 s and then silence: the gateway must close within about 1.5 s. */
  private void keepalive() throws IOException {
    try (Dev d = new Dev(inprocPort)) {
      d.expectOk("A ka-" + ids.incrementAndGet());
      d.expectOk("K 1");
      d.expectEof(Duration.ofSeconds(10));
      count("keepalive.expired");
    }
  }

  /** Silence from the start: the idle timeout closes it. */
  private void idle() throws IOException {
    try (Dev d = new Dev(inprocPort)) {
      d.expectEof(READ_TIMEOUT);
      count("idle.expired");
    }
  }

  /** A second connection with the same client id discards the first. */
  private void takeover() throws IOException {
    String cid = "tk-" + ids.incrementAndGet();
    String step = "connect first";
    try (Dev first = new Dev(inprocPort)) {
      step = "authenticate first";
      first.expectOk("A " + cid);
      step = "connect second";
      try (Dev second = new Dev(inprocPort)) {
        step = "authenticate second";
        second.expectOk("A " + cid);
        step = "first closed";
        first.expectEof(Duration.ofSeconds(10));
        step = "second echoes";
        second.send("E still-here");
        second.expectLine("E still-here");
        count("takeover.discarded");
      }
    } catch (IOException e) {
      throw new IOException(step + ": " + e, e);
    }
  }

  /** Management kicks a client; its connection closes. About one every half second. */
  private void kick() throws Exception {
    String cid = "kick-" + ids.incrementAndGet();
    try (Dev d = new Dev(inprocPort)) {
      d.expectOk("A " + cid);
      if (!kicker.kick(cid)) {
        throw new IOException("the gateway did not know client " + cid);
      }
      d.expectEof(Duration.ofSeconds(10));
      count("kick.closed");
    }
    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(500));
  }

  // ---------------------------------------------------------------- a device

  /** A blocking TCP device; reads time out after {@link #READ_TIMEOUT}. */
  private static final class Dev implements Closeable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    Dev(int port) throws IOException {
      socket = new Socket();
      try {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
        socket.setTcpNoDelay(true);
        in = socket.getInputStream();
        out = socket.getOutputStream();
      } catch (IOException e) {
        socket.close();
        throw e;
      }
    }

    void send(String line) throws IOException {
      write(line.getBytes(StandardCharsets.UTF_8));
    }

    void write(byte[] bytes) throws IOException {
      out.write(bytes);
      out.flush();
    }

    void expectOk(String command) throws IOException {
      send(command);
      String answer = readLine();
      if (!"OK".equals(answer)) {
        throw new IOException("'" + command + "' answered " + answer);
      }
    }

    void expectLine(String expected) throws IOException {
      String line = readLine();
      if (!expected.equals(line)) {
        throw new IOException("expected '" + expected + "', got " + line);
      }
    }

    void expectBytes(byte[] expected) throws IOException {
      byte[] got = in.readNBytes(expected.length);
      if (!Arrays.equals(expected, got)) {
        throw new IOException("echo mismatch: " + got.length + " of " + expected.length
            + " bytes");
      }
    }

    /** A line without its newline; null at the end of the stream. */
    String readLine() throws IOException {
      StringBuilder sb = new StringBuilder();
      while (true) {
        int b = in.read();
        if (b < 0) {
          return sb.length() == 0 ? null : sb.toString();
        }
        if (b == '\n') {
          return sb.toString();
        }
        sb.append((char) b);
      }
    }

    void expectEof(Duration within) throws IOException {
      socket.setSoTimeout((int) within.toMillis());
      try {
        while (in.read() >= 0) {
          // whatever was still on its way
        }
      } catch (SocketTimeoutException e) {
        throw new IOException("not closed by the gateway within " + within);
      } catch (IOException e) {
        // reset by the gateway: closed too
      }
    }

    @Override
    public void close() {
      try {
        socket.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }
}
