package io.exproto.authn;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A throwaway PostgreSQL cluster for tests: {@code initdb} in a temporary directory, {@code
 * pg_ctl start} on a free loopback port with its socket in that directory, trust authentication.
 * As root the server runs as the {@code postgres} user (initdb refuses root). Tests are skipped,
 * with a message, when Debian's {@code postgresql} package is not installed.
 */
final class PostgresCluster implements AutoCloseable {
  final int port;
  private final Path dir;
  private final Path bin;
  private final boolean asPostgres;

  private PostgresCluster(Path bin, Path dir, int port, boolean asPostgres) {
    this.bin = bin;
    this.dir = dir;
    this.port = port;
    this.asPostgres = asPostgres;
  }

  static PostgresCluster start() throws Exception {
    Path bin = findBin();
    Assumptions.assumeTrue(bin != null, "PostgreSQL is not installed: these tests need Debian's"
        + " 'postgresql' package (apt-get install postgresql); skipped");
    boolean root = "root".equals(System.getProperty("user.name"));
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "exproto-pg-");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    if (root) {
      run(List.of("chown", "postgres:postgres", dir.toString()), false);
    }
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    PostgresCluster c = new PostgresCluster(bin, dir, port, root);
    c.pg(List.of(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-A",
        "trust", "-U", "exproto", "--no-sync"));
    c.pg(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-l",
        dir.resolve("log").toString(), "-w", "-t", "60", "-o",
        "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off",
        "start"));
    try (Connection conn = c.connect("postgres")) {
      conn.createStatement().execute("CREATE DATABASE mqtt");
    }
    return c;
  }

  Connection connect(String db) throws SQLException {
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + db,
        "exproto", "");
  }

  private static Path findBin() {
    File base = new File("/usr/lib/postgresql");
    File[] versions = base.listFiles();
    if (versions == null) {
      return null;
    }
    List<File> vs = new ArrayList<>(List.of(versions));
    vs.sort(Comparator.comparing(File::getName).reversed());
    for (File v : vs) {
      Path b = v.toPath().resolve("bin");
      if (Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("pg_ctl"))) {
        return b;
      }
    }
    return null;
  }

  private void pg(List<String> cmd) throws IOException, InterruptedException {
    List<String> full = new ArrayList<>();
    if (asPostgres) {
      full.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    full.addAll(cmd);
    run(full, true);
  }

  private static void run(List<String> cmd, boolean check) throws IOException,
      InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(cmd + " did not finish");
    }
    if (check && p.exitValue() != 0) {
      throw new IOException(cmd + " failed (" + p.exitValue() + "): " + out);
    }
  }

  @Override
  public void close() throws Exception {
    try {
      pg(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m",
          "immediate", "-w", "stop"));
    } finally {
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
