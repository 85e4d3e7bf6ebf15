package io.exproto.authn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exproto.auth.AuthResult;
import io.exproto.auth.Credentials;
import io.exproto.management.Page;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthenticationChainAdminTest {
  @TempDir Path dir;

  AuthenticationChain chain = new AuthenticationChain();
  AuthenticationChainAdmin admin;

  @AfterEach
  void close() {
    if (admin != null) {
      admin.close();
    }
    chain.close();
  }

  AuthenticationChainAdmin admin() {
    admin = new AuthenticationChainAdmin(chain, dir, List.of());
    return admin;
  }

  static <T> T get(CompletionStage<T> s) throws Exception {
    return s.toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static AbstractThrowableAssert<?, ? extends Throwable> fails(CompletionStage<?> s) {
    try {
      Object v = s.toCompletableFuture().get(10, TimeUnit.SECONDS);
      throw new AssertionError("expected a failure, got " + v);
    } catch (ExecutionException e) {
      return assertThat(e.getCause());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  static Credentials creds(String username, String password) {
    return new Credentials("c-" + username, username, password,
        new InetSocketAddress("127.0.0.1", 5000), null, "default", "exproto");
  }

  AuthResult authenticate(String username, String password) throws Exception {
    return get(chain.authenticate(creds(username, password)));
  }

  Map<String, Object> builtIn() {
    return map("mechanism", "password_based", "backend", "built_in_database",
        "database_file", dir.resolve("users.sqlite").toString(),
        "password_hash_algorithm", map("name", "sha256", "salt_position", "suffix"));
  }

  @Test
  void createGetConflictUpdateDelete() throws Exception {
    AuthenticationChainAdmin a = admin();
    assertThat(get(a.authenticator(null))).isEmpty();
    fails(a.updateAuthenticator(null, builtIn())).isInstanceOf(NoSuchElementException.class);
    fails(a.deleteAuthenticator(null)).isInstanceOf(NoSuchElementException.class);

    Map<String, Object> created = get(a.createAuthenticator(null, builtIn()));
    assertThat(created).containsEntry("id", "password_based:built_in_database")
        .containsEntry("backend", "built_in_database").containsEntry("enable", true)
        .containsEntry("password_hash_algorithm", map("name", "sha256", "salt_position",
            "suffix"));
    assertThat(chain.providers()).singleElement().isInstanceOf(BuiltInDatabase.class);
    assertThat(get(a.authenticator(null))).contains(created);

    fails(a.createAuthenticator(null, builtIn())).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already has an authenticator");

    get(a.createUser(null, map("user_id", "alice", "password", "wonderland")));
    AuthenticationProvider before = chain.providers().get(0);
    Map<String, Object> next = builtIn();
    next.put("user_id_type", "clientid");
    next.put("id", "password_based:built_in_database"); // as GET shows it: ignored
    Map<String, Object> updated = get(a.updateAuthenticator(null, next));
    assertThat(updated).containsEntry("user_id_type", "clientid");
    assertThat(chain.providers()).singleElement().isNotSameAs(before);
    // The same file: the user is still there, now matched by client id.
    assertThat(get(chain.authenticate(new Credentials("alice", "x", "wonderland",
        new InetSocketAddress("127.0.0.1", 1), null, "default", "exproto"))).allowed()).isTrue();

    // Another backend in its place.
    Map<String, Object> jwt = get(a.updateAuthenticator(null, map("mechanism", "jwt",
        "algorithm", "hmac-based", "secret", "k")));
    assertThat(jwt).containsEntry("id", "jwt").containsEntry("secret", "******");
    assertThat(chain.providers()).singleElement().isInstanceOf(JwtAuthenticator.class);
    assertThat(get(a.authenticator(null))).contains(jwt);

    get(a.deleteAuthenticator(null));
    assertThat(chain.providers()).isEmpty();
    assertThat(get(a.authenticator(null))).isEmpty();
    assertThat(authenticate("anyone", "x").allowed()).isTrue(); // an empty chain allows all
  }

  @Test
  void badConfigNamesTheKeyAndLeavesTheChainAlone() throws Exception {
    AuthenticationChainAdmin a = admin();
    fails(a.createAuthenticator(null, map("mechanism", "password_based")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("backend");
    fails(a.createAuthenticator(null, map("mechanism", "password_based", "backend", "redis")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("redis");
    Map<String, Object> c = builtIn();
    c.put("colour", "blue");
    fails(a.createAuthenticator(null, c)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("colour");
    c = builtIn();
    c.put("enable", false);
    fails(a.createAuthenticator(null, c)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("enable");
    assertThat(chain.providers()).isEmpty();
  }

  @Test
  void secretsAreRedactedAndKeptWhenSentBackRedacted() throws Exception {
    AuthenticationChainAdmin a = admin();
    Map<String, Object> jwt = map("mechanism", "jwt", "from", "password", "algorithm",
        "hmac-based", "secret", "s3cr3t-key", "secret_base64_encoded", false);
    Map<String, Object> shown = get(a.createAuthenticator(null, jwt));
    assertThat(shown).containsEntry("id", "jwt").containsEntry("secret", "******")
        .containsEntry("secret_base64_encoded", false);

    String token = hs256("{\"username\":\"dev\",\"exp\":"
        + (System.currentTimeMillis() / 1000 + 600) + "}", "s3cr3t-key");
    assertThat(authenticate("dev", token).allowed()).isTrue();
    // Sent back as shown: the secret stays what it was.
    Map<String, Object> back = new LinkedHashMap<>(shown);
    back.put("verify_claims", map());
    get(a.updateAuthenticator(null, back));
    assertThat(authenticate("dev", token).allowed()).isTrue();

    Map<String, Object> http = map("mechanism", "password_based", "backend", "http",
        "url", "http://127.0.0.1:1/auth", "headers", map("Authorization", "Bearer t0k"),
        "body", map("username", "${username}", "password", "${password}"));
    assertThat(AuthenticationChainAdmin.redact(http)).isEqualTo(map("mechanism",
        "password_based", "backend", "http", "url", "http://127.0.0.1:1/auth", "headers",
        map("Authorization", "******"), "body", map("username", "${username}", "password",
            "******")));
  }

  private static String hs256(String payload, String secret) throws Exception {
    java.util.Base64.Encoder b64 = java.util.Base64.getUrlEncoder().withoutPadding();
    String signingInput = b64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes())
        + "." + b64.encodeToString(payload.getBytes());
    javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
    mac.init(new javax.crypto.spec.SecretKeySpec(secret.getBytes(), "HmacSHA256"));
    return signingInput + "." + b64.encodeToString(mac.doFinal(signingInput.getBytes()));
  }

  @Test
  void startsWithTheConfigurationItWasGiven() throws Exception {
    Map<String, Object> block = builtIn();
    block.put("bootstrap_type", "plain");
    Map<String, Object> disabled = map("mechanism", "jwt", "enable", false, "secret", "x");
    AuthenticationChain c = Authenticators.chain(List.of(block, disabled), "authentication", dir);
    try (AuthenticationChainAdmin a = new AuthenticationChainAdmin(c, dir,
        List.of(block, disabled))) {
      assertThat(get(a.authenticator(null))).get().isEqualTo(map("id",
          "password_based:built_in_database", "mechanism", "password_based", "backend",
          "built_in_database", "database_file", dir.resolve("users.sqlite").toString(),
          "password_hash_algorithm", map("name", "sha256", "salt_position", "suffix"),
          "bootstrap_type", "plain", "enable", true));
    } finally {
      c.close();
    }
  }

  @Test
  void usersPagesFilterAndCrud() throws Exception {
    AuthenticationChainAdmin a = admin();
    fails(a.users(null, null, 1, 10)).isInstanceOf(NoSuchElementException.class)
        .hasMessageContaining("built_in_database");
    get(a.createAuthenticator(null, builtIn()));
    for (int i = 0; i < 25; i++) {
      get(a.createUser(null, map("user_id", String.format("user-%02d", i), "password", "p" + i)));
    }
    get(a.createUser(null, map("user_id", "root", "password", "toor", "is_superuser", true)));

    Page<Map<String, Object>> p1 = get(a.users(null, null, 1, 10));
    assertThat(p1.count()).isEqualTo(26);
    assertThat(p1.hasNext()).isTrue();
    assertThat(p1.data()).hasSize(10).first()
        .isEqualTo(map("user_id", "root", "is_superuser", true));
    Page<Map<String, Object>> p3 = get(a.users(null, null, 3, 10));
    assertThat(p3.data()).hasSize(6);
    assertThat(p3.hasNext()).isFalse();
    assertThat(p3.page()).isEqualTo(3);
    assertThat(get(a.users(null, null, 9, 10)).data()).isEmpty();

    Page<Map<String, Object>> like = get(a.users(null, "er-1", 1, 5));
    assertThat(like.count()).isEqualTo(10);
    assertThat(like.data()).extracting(m -> m.get("user_id"))
        .containsExactly("user-10", "user-11", "user-12", "user-13", "user-14");
    assertThat(like.hasNext()).isTrue();
    assertThat(get(a.users(null, "er-1", 2, 5)).hasNext()).isFalse();
    fails(a.users(null, null, 0, 10)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("page");

    assertThat(get(a.user(null, "user-03"))).isEqualTo(map("user_id", "user-03",
        "is_superuser", false));
    fails(a.user(null, "nobody")).isInstanceOf(NoSuchElementException.class);
    fails(a.createUser(null, map("user_id", "user-03", "password", "again")))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("already exists");
    fails(a.createUser(null, map("password", "p"))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("user_id");
    fails(a.createUser(null, map("user_id", "x"))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("password");
    fails(a.createUser(null, map("user_id", "x", "password", 5)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("password");
    fails(a.createUser(null, map("user_id", "x", "password", "p", "is_superuser", "yes")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is_superuser");

    assertThat(authenticate("user-03", "p3").allowed()).isTrue();
    assertThat(get(a.updateUser(null, "user-03", map("password", "new", "is_superuser",
        true)))).isEqualTo(map("user_id", "user-03", "is_superuser", true));
    assertThat(authenticate("user-03", "p3").allowed()).isFalse();
    AuthResult r = authenticate("user-03", "new");
    assertThat(r.allowed()).isTrue();
    assertThat(r.superuser()).isTrue();
    assertThat(get(a.updateUser(null, "user-03", map("is_superuser", false))))
        .containsEntry("is_superuser", false);
    assertThat(authenticate("user-03", "new").allowed()).isTrue();
    fails(a.updateUser(null, "nobody", map("password", "x")))
        .isInstanceOf(NoSuchElementException.class);
    fails(a.updateUser(null, "user-03", map())).isInstanceOf(IllegalArgumentException.class);

    get(a.deleteUser(null, "user-03"));
    fails(a.deleteUser(null, "user-03")).isInstanceOf(NoSuchElementException.class);
    fails(a.user(null, "user-03")).isInstanceOf(NoSuchElementException.class);
    assertThat(authenticate("user-03", "new").allowed()).isFalse();
  }

  @Test
  void aDeviceAuthenticatesAgainstAUserCreatedHereAndTheUserIsDurable() throws Exception {
    AuthenticationChainAdmin a = admin();
    get(a.createAuthenticator(null, builtIn()));
    assertThat(authenticate("alice", "wonderland").allowed()).isFalse(); // unknown: denied
    get(a.createUser(null, map("user_id", "alice", "password", "wonderland")));
    assertThat(authenticate("alice", "wonderland").allowed()).isTrue();
    assertThat(authenticate("alice", "wrong").allowed()).isFalse();

    try (BuiltInDatabase other = BuiltInDatabase.builder()
        .databaseFile(dir.resolve("users.sqlite"))
        .passwordHashing(PasswordHashing.fromConfig(new ConfigReader(Map.of("name", "sha256",
            "salt_position", "suffix"), "password_hash_algorithm"))).build()) {
      assertThat(other.user("alice")).contains(new BuiltInDatabase.User("alice", false));
      assertThat(get(other.authenticate(creds("alice", "wonderland"))).kind())
          .isEqualTo(AuthnOutcome.Kind.ALLOW);
    }
  }

  @Test
  void aBuiltInDatabaseWithoutAFileLivesInTheDataDirectory() throws Exception {
    AuthenticationChainAdmin a = admin();
    get(a.createAuthenticator(null, map("mechanism", "password_based", "backend",
        "built_in_database")));
    assertThat(((BuiltInDatabase) chain.providers().get(0)).databaseFile())
        .isEqualTo(dir.resolve("exproto-authn.sqlite").toAbsolutePath());
  }

  @Test
  void unsupportedCases() throws Exception {
    AuthenticationChainAdmin a = admin();
    for (CompletionStage<?> s : List.<CompletionStage<?>>of(
        a.authenticator("exproto:tcp:default"),
        a.createAuthenticator("exproto:tcp:default", builtIn()),
        a.users("exproto:tcp:default", null, 1, 10),
        a.createUser("exproto:tcp:default", map("user_id", "u", "password", "p")),
        a.deleteAuthenticator("exproto:tcp:default"))) {
      fails(s).isInstanceOf(UnsupportedOperationException.class)
          .hasMessageContaining("per-listener authentication is not supported")
          .hasMessageContaining("enable_authn");
    }
    assertThat(chain.providers()).isEmpty();

    get(a.createAuthenticator(null, map("mechanism", "jwt", "algorithm", "hmac-based",
        "secret", "k")));
    fails(a.users(null, null, 1, 10)).isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("jwt").hasMessageContaining("built_in_database");
    fails(a.createUser(null, map("user_id", "u", "password", "p")))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void closedOrFullAnswersRejectedAtOnce() throws Exception {
    AuthenticationChainAdmin a = admin();
    get(a.createAuthenticator(null, builtIn()));
    // Hold the admin's thread, fill its queue: the next call is refused without waiting.
    BuiltInDatabase blocker = (BuiltInDatabase) chain.providers().get(0);
    CompletionStage<?> held;
    synchronized (blocker) { // user writes lock the database: the thread waits here
      held = a.createUser(null, map("user_id", "held", "password", "p"));
      awaitAdminThreadBlocked();
      for (int i = 0; i < AuthenticationChainAdmin.MAX_QUEUED; i++) {
        a.authenticator(null);
      }
      fails(a.authenticator(null)).isInstanceOf(RejectedExecutionException.class)
          .hasMessageContaining("busy");
    }
    get(held);
    a.close();
    fails(a.authenticator(null)).isInstanceOf(RejectedExecutionException.class)
        .hasMessageContaining("closed");
    assertThat(chain.providers()).hasSize(1); // the chain stays the caller's
    assertThat(((BuiltInDatabase) chain.providers().get(0)).user("held")).isPresent();
  }

  private static void awaitAdminThreadBlocked() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      for (Thread t : Thread.getAllStackTraces().keySet()) {
        if (t.getName().equals("exproto-authn-admin") && t.getState() == Thread.State.BLOCKED) {
          return;
        }
      }
      Thread.sleep(5);
    }
    throw new AssertionError("the admin thread did not block on the database");
  }
}
