package io.exproto.broker.mqtt;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real Mosquitto broker process (Debian package {@code mosquitto}) started by a test on a free
 * loopback port, with a password file and an ACL so that broker-side refusals are real:
 *
 * <ul>
 *   <li>users {@code dev1}/{@code pw1}, {@code dev2}/{@code pw2}: read and write
 *       {@code devices/#} and {@code chat/#} only;
 *   <li>{@code bridge}/{@code bridgepw} and {@code watcher}/{@code watchpw}: everything.
 * </ul>
 *
 * It can be killed (SIGKILL) and restarted on the same port, to test outages.
 */
public final class MosquittoProcess implements AutoCloseable {
  /** Where Debian installs the broker. */
  public static final Path BINARY = Path.of("/usr/sbin/mosquitto");

  public final int port;
  private final Path dir;
  private final Path config;
  private Process process;

  private MosquittoProcess(Path dir, Path config, int port) {
    this.dir = dir;
    this.config = config;
    this.port = port;
  }

  /** True when the broker and its clients are installed. */
  public static boolean available() {
    return Files.isExecutable(BINARY) && Files.isExecutable(Path.of("/usr/bin/mosquitto_sub"))
        && Files.isExecutable(Path.of("/usr/bin/mosquitto_passwd"));
  }

  /** The message of a skipped test. */
  public static final String MISSING = "Mosquitto is not installed: apt-get install mosquitto"
      + " mosquitto-clients (Debian packages)";

  /**
   * Starts a broker. {@code tls} holds {cafile, certfile, keyfile} for a TLS listener, or null.
   */
  public static MosquittoProcess start(Path dir, Path[] tls) throws Exception {
    Files.createDirectories(dir);
    int port = freePort();
    Path passwd = dir.resolve("passwd");
    Files.deleteIfExists(passwd);
    Files.createFile(passwd);
    for (String[] user : new String[][] {{"dev1", "pw1"}, {"dev2", "pw2"}, {"bridge", "bridgepw"},
        {"watcher", "watchpw"}}) {
      run("/usr/bin/mosquitto_passwd", "-b", passwd.toString(), user[0], user[1]);
    }
    Path acl = dir.resolve("acl");
    Files.writeString(acl, """
        user bridge
        topic readwrite #
        topic read $SYS/#
        user watcher
        topic readwrite #
        topic read $SYS/#
        pattern readwrite devices/#
        pattern readwrite chat/#
        """);
    StringBuilder conf = new StringBuilder()
        // Started as root (CI), mosquitto would switch to the user 'mosquitto', who cannot read
        // the test's private temporary folder; as anyone else this line changes nothing.
        .append("user ").append(System.getProperty("user.name")).append('\n')
        .append("per_listener_settings false\n")
        .append("allow_anonymous false\n")
        .append("password_file ").append(passwd).append('\n')
        .append("acl_file ").append(acl).append('\n')
        .append("persistence false\n")
        .append("set_tcp_nodelay true\n")
        .append("sys_interval 1\n")
        .append("log_type error\nlog_type warning\nlog_type notice\nlog_type information\n")
        .append("log_type subscribe\n")
        .append("log_dest file ").append(dir.resolve("mosquitto.log")).append('\n')
        .append("listener ").append(port).append(" 127.0.0.1\n");
    if (tls != null) {
      conf.append("cafile ").append(tls[0]).append('\n')
          .append("certfile ").append(tls[1]).append('\n')
          .append("keyfile ").append(tls[2]).append('\n');
    }
    Path config = dir.resolve("mosquitto.conf");
    Files.writeString(config, conf);
    MosquittoProcess m = new MosquittoProcess(dir, config, port);
    m.startProcess();
    return m;
  }

  public String url() {
    return "mqtt://127.0.0.1:" + port;
  }

  /** (Re)starts the process on the same port and waits until it accepts connections. */
  public synchronized void startProcess() throws Exception {
    process = new ProcessBuilder(BINARY.toString(), "-c", config.toString())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("stdout.log").toFile()))
        .start();
    Process started = process;
    org.awaitility.Awaitility.await("mosquitto listening on " + port + " (see " + dir + ")")
        .atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20))
        .until(() -> {
          if (!started.isAlive()) {
            throw new IllegalStateException("mosquitto exited with " + started.exitValue()
                + "; see " + dir);
          }
          try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
          } catch (IOException notYet) {
            return false;
          }
        });
  }

  /** Kills the broker at once (SIGKILL): no DISCONNECT, connections just drop. */
  public synchronized void kill() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
      process = null;
    }
  }

  /**
   * Runs {@code mosquitto_sub} as the watcher for {@code count} messages on {@code topic};
   * returns the started process (its stdout has {@code topic payload} lines).
   */
  public Process subscribe(String topic, int count) throws IOException {
    return new ProcessBuilder("/usr/bin/mosquitto_sub", "-h", "127.0.0.1", "-p",
        String.valueOf(port), "-u", "watcher", "-P", "watchpw", "-t", topic, "-C",
        String.valueOf(count), "-W", "20", "-v", "-q", "1").redirectErrorStream(true).start();
  }

  /** Runs {@code mosquitto_pub} as the watcher and waits for it. */
  public void publish(String topic, String payload, int qos) throws Exception {
    run("/usr/bin/mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(port), "-u", "watcher",
        "-P", "watchpw", "-t", topic, "-m", payload, "-q", String.valueOf(qos));
  }

  /**
   * The client ids connected now, from the broker's log (the {@code $SYS} count lags by up to
   * {@code sys_interval} and counts the client that reads it, so it cannot be waited on).
   */
  public Set<String> connectedClientIds() throws IOException {
    Set<String> ids = new LinkedHashSet<>();
    for (String line : Files.readAllLines(dir.resolve("mosquitto.log"))) {
      Matcher m;
      if (line.contains(" starting")) {
        ids.clear(); // a restart: nobody is connected
      } else if ((m = CONNECTED.matcher(line)).find()) {
        ids.add(m.group(1));
      } else if ((m = GONE.matcher(line)).find()) {
        ids.remove(m.group(1) != null ? m.group(1) : m.group(2));
      }
    }
    return ids;
  }

  /** Whether some client subscribed to {@code filter} (exactly as given), from the log. */
  public boolean subscribed(String filter) throws IOException {
    return Files.readAllLines(dir.resolve("mosquitto.log")).stream()
        .anyMatch(l -> l.endsWith(" " + filter));
  }

  private static final Pattern CONNECTED =
      Pattern.compile("New client connected from \\S+ as (\\S+) \\(");
  private static final Pattern GONE = Pattern.compile(
      "(?:Client (\\S+) (?:disconnected|closed its connection|has exceeded timeout|already connected)"
      + "|Socket error on client (\\S+),)");

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(List.of(command) + " failed: " + out);
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() throws Exception {
    kill();
  }

  /** Lines read from a finished mosquitto_sub. */
  static List<String> lines(Process sub, Duration timeout) throws Exception {
    if (!sub.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      sub.destroyForcibly();
      throw new AssertionError("mosquitto_sub did not get its messages within " + timeout);
    }
    List<String> out = new ArrayList<>();
    for (String line : new String(sub.getInputStream().readAllBytes()).split("\n")) {
      if (!line.isBlank()) {
        out.add(line.trim());
      }
    }
    return out;
  }
}
