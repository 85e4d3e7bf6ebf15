package io.exproto.authn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exproto.auth.Credentials;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BuiltInDatabaseTest {
  @TempDir Path dir;

  static Credentials creds(String clientId, String username, String password) {
    return new Credentials(clientId, username, password, new InetSocketAddress("127.0.0.1", 5000),
        null, "default", "exproto");
  }

  static AuthnOutcome check(AuthenticationProvider p, Credentials c) throws Exception {
    return p.authenticate(c).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void usersAreCheckedByUsernameOrClientId() throws Exception {
    try (BuiltInDatabase db = BuiltInDatabase.builder().databaseFile(dir.resolve("u.db"))
        .build()) {
      db.addUser("alice", "wonderland", false);
      db.addUser("root", "toor", true);
      assertThat(check(db, creds("c1", "alice", "wonderland")).kind())
          .isEqualTo(AuthnOutcome.Kind.ALLOW);
      assertThat(check(db, creds("c1", "alice", "nope")).kind()).isEqualTo(AuthnOutcome.Kind.DENY);
      assertThat(check(db, creds("c1", "bob", "x")).kind()).isEqualTo(AuthnOutcome.Kind.IGNORE);
      assertThat(check(db, creds("c1", "root", "toor")).superuser()).isTrue();
      assertThatThrownBy(() -> db.addUser("alice", "again", false))
          .hasMessageContaining("already exists");
      db.updateUser("alice", "new", null);
      assertThat(check(db, creds("c1", "alice", "new")).kind()).isEqualTo(AuthnOutcome.Kind.ALLOW);
      assertThat(db.deleteUser("alice")).isTrue();
      assertThat(check(db, creds("c1", "alice", "new")).kind())
          .isEqualTo(AuthnOutcome.Kind.IGNORE);
      assertThat(db.users(0, 10)).containsExactly(new BuiltInDatabase.User("root", true));
    }
    try (BuiltInDatabase db = BuiltInDatabase.builder().databaseFile(dir.resolve("c.db"))
        .userIdType(BuiltInDatabase.UserIdType.CLIENTID)
        .passwordHashing(PasswordHashing.pbkdf2("sha256", 1000, 32)).build()) {
      db.addUser("dev-1", "pw", false);
      assertThat(check(db, creds("dev-1", "anyone", "pw")).kind())
          .isEqualTo(AuthnOutcome.Kind.ALLOW);
      assertThat(check(db, creds("dev-2", "dev-1", "pw")).kind())
          .isEqualTo(AuthnOutcome.Kind.IGNORE);
    }
  }

  @Test
  void bootstrapFilesInEmqxCsvAndJsonFormats() throws Exception {
    Path csv = dir.resolve("boot.csv");
    Files.writeString(csv, "user_id,password,is_superuser\nuser1,pass1,false\nadmin,adm,true\n");
    Path json = dir.resolve("boot.json");
    // Hashed form: sha256 of salt + password (salt prefix), from Python's hashlib.
    Files.writeString(json, "[{\"user_id\":\"hashed\",\"password_hash\":"
        + "\"8ddeb98227910ebc89e7c22ca30dceee8cc88b69188f7dcd0707441aee29b29e\","
        + "\"salt\":\"6d7c2a8b9e0f1a2b3c4d5e6f7a8b9c0d\",\"is_superuser\":false}]");
    try (BuiltInDatabase db = BuiltInDatabase.builder().databaseFile(dir.resolve("b.db"))
        .bootstrapFile(csv, false).build()) {
      assertThat(check(db, creds("c", "user1", "pass1")).kind()).isEqualTo(AuthnOutcome.Kind.ALLOW);
      assertThat(check(db, creds("c", "admin", "adm")).superuser()).isTrue();
      assertThat(db.importUsers(json, true, false)).isEqualTo(1);
      assertThat(check(db, creds("c", "hashed", "p@ss wörd")).kind())
          .isEqualTo(AuthnOutcome.Kind.ALLOW);
    }
    // A bootstrap never overwrites a user changed since.
    try (BuiltInDatabase db = BuiltInDatabase.builder().databaseFile(dir.resolve("b.db"))
        .bootstrapFile(csv, false).build()) {
      db.updateUser("user1", "changed", null);
    }
    try (BuiltInDatabase db = BuiltInDatabase.builder().databaseFile(dir.resolve("b.db"))
        .bootstrapFile(csv, false).build()) {
      assertThat(check(db, creds("c", "user1", "changed")).kind())
          .isEqualTo(AuthnOutcome.Kind.ALLOW);
    }
  }

  @Test
  void malformedBootstrapFilesAreRefusedWithTheirName() throws Exception {
    Path bad = dir.resolve("bad.csv");
    Files.writeString(bad, "user_id,password,is_superuser\nu,p,maybe\n");
    assertThatThrownBy(() -> BuiltInDatabase.builder().databaseFile(dir.resolve("x.db"))
        .bootstrapFile(bad, false).build()).hasMessageContaining("bad.csv")
        .hasMessageContaining("is_superuser");
    Path noHeader = dir.resolve("nohead.csv");
    Files.writeString(noHeader, "u,p,false\n");
    assertThatThrownBy(() -> BuiltInDatabase.builder().databaseFile(dir.resolve("y.db"))
        .bootstrapFile(noHeader, false).build()).hasMessageContaining("header");
    assertThatThrownBy(() -> BuiltInDatabase.builder().databaseFile(dir.resolve("z.db"))
        .bootstrapFile(dir.resolve("missing.csv"), false).build())
        .hasMessageContaining("bootstrap_file");
  }

  /** Adds users in a child JVM, kills it with SIGKILL right after, and finds every user. */
  @Test
  void usersAddedSurviveKillMinus9() throws Exception {
    Path file = dir.resolve("durable.db");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        AddUsersAndWait.class.getName(), file.toString(), "200").redirectErrorStream(true).start();
    List<String> out = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
        StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        out.add(line);
        if (line.equals("ADDED 200")) {
          p.destroyForcibly(); // SIGKILL: no shutdown hook, no close
          break;
        }
      }
    }
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(out).as("child output").contains("ADDED 200");
    assertThat(p.exitValue()).isEqualTo(137);
    try (BuiltInDatabase db = BuiltInDatabase.builder().databaseFile(file).build()) {
      assertThat(db.userCount()).isEqualTo(200);
      assertThat(check(db, creds("c", "user-199", "pw-199")).kind())
          .isEqualTo(AuthnOutcome.Kind.ALLOW);
    }
  }

  /** The child of {@link #usersAddedSurviveKillMinus9}: adds users, says so, waits to die. */
  public static final class AddUsersAndWait {
    public static void main(String[] args) throws Exception {
      BuiltInDatabase db = BuiltInDatabase.builder().databaseFile(Path.of(args[0])).build();
      int n = Integer.parseInt(args[1]);
      for (int i = 0; i < n; i++) {
        db.addUser("user-" + i, "pw-" + i, false);
      }
      System.out.println("ADDED " + n);
      System.out.flush();
      Thread.sleep(60_000);
    }
  }
}
