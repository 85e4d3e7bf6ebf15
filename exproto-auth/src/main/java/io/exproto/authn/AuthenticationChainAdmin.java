package io.exproto.authn;

import io.exproto.management.AuthenticationAdmin;
import io.exproto.management.Page;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link AuthenticationAdmin} over an {@link AuthenticationChain}: EMQX's gateway authentication
 * API ({@code /gateway/exproto/authentication[/users[/{uid}]]}), where a gateway has one
 * authenticator, applied to a running gateway.
 *
 * <ul>
 *   <li>{@link #authenticator} shows the configuration of the chain's first provider (a chain of
 *       several, which only a configuration file or Java code can build, is shown by its first),
 *       or nothing if the chain is empty. Secrets ({@code password}, {@code secret}, any key
 *       containing either, and {@code authorization} headers) read {@code "******"}, as EMQX
 *       shows them; {@code id} is the provider id, e.g.
 *       {@code password_based:built_in_database}.
 *   <li>{@link #createAuthenticator} builds a provider with
 *       {@link Authenticators#provider(Map, String, Path)} and adds it to the chain; it fails with
 *       {@link IllegalStateException} if the chain is not empty. {@link #updateAuthenticator}
 *       builds the new provider and puts it in place of the first (the old one is closed); a secret
 *       sent back as {@code "******"} keeps its old value, as in EMQX.
 *       {@link #deleteAuthenticator} removes and closes every provider, so the gateway allows
 *       everyone again. A {@code built_in_database} without {@code database_file} keeps its users
 *       in {@code exproto-authn.sqlite} under the data directory; deleting the authenticator
 *       leaves that file (and its users) in place, so they come back when one is created again
 *       (EMQX deletes them).
 *   <li>The user methods work on the chain's first {@link BuiltInDatabase}; with none they fail
 *       with {@link UnsupportedOperationException} naming the backend that is configured (or
 *       {@link NoSuchElementException} when there is no authenticator at all). User maps carry
 *       {@code user_id} and {@code is_superuser}, never the password.
 * </ul>
 *
 * <p>A gateway has one authenticator: a {@code listenerId} other than null fails with
 * {@link UnsupportedOperationException} (the gateway-wide authenticator applies to every listener
 * with {@code enable_authn = true}). {@code enable = false} is refused (delete the authenticator
 * to turn authentication off).
 *
 * <p>Nothing blocks the caller: every call runs on one thread owned by this admin, in order, so
 * user writes (one durable SQLite write each) and provider construction (which may open files or
 * pools) stay off the caller's event loop. At most {@value #MAX_QUEUED} calls wait for it; a call
 * beyond that, or after {@link #close()}, fails at once with
 * {@link RejectedExecutionException} (the standalone gateway's HTTP API answers 503
 * {@code SERVICE_UNAVAILABLE}). The chain stays the caller's: {@link #close()} stops the thread
 * and does not close the chain. Thread-safe.
 */
public final class AuthenticationChainAdmin implements AuthenticationAdmin, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AuthenticationChainAdmin.class);

  /** The most calls waiting for this admin's thread. */
  public static final int MAX_QUEUED = 1_000;

  /** What a secret reads as, and what keeps a secret unchanged when sent back. */
  public static final String REDACTED = "******";

  private final AuthenticationChain chain;
  private final Path dataDir;
  /** The configuration of each provider, by provider id. Changed on {@link #executor} only. */
  private final Map<String, Map<String, Object>> configs = new ConcurrentHashMap<>();
  private final ThreadPoolExecutor executor;

  /**
   * An admin over {@code chain}.
   *
   * @param chain the gateway's authenticator (give the same chain to
   *     {@code GatewayBuilder.authenticator}); may be empty
   * @param dataDir where a {@code built_in_database} created without {@code database_file} keeps
   *     its users ({@code exproto-authn.sqlite})
   * @param configs the EMQX configuration blocks of the providers {@code chain} starts with, as
   *     given to {@link Authenticators#chain} (blocks with {@code enable = false} are skipped);
   *     matched to the providers by id ({@code mechanism} and {@code backend}). A provider
   *     without one is shown by its id alone.
   */
  public AuthenticationChainAdmin(AuthenticationChain chain, Path dataDir,
      List<? extends Map<String, ?>> configs) {
    this.chain = Objects.requireNonNull(chain, "chain");
    this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
    for (Map<String, ?> c : configs) {
      if (c != null && !"false".equals(String.valueOf(c.get("enable")))) {
        String id = idOf(c);
        if (id != null) {
          this.configs.putIfAbsent(id, withoutId(c));
        }
      }
    }
    this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
        new ArrayBlockingQueue<>(MAX_QUEUED), r -> {
          Thread t = new Thread(r, "exproto-authn-admin");
          t.setDaemon(true);
          return t;
        }, new ThreadPoolExecutor.AbortPolicy());
  }

  /** The chain this admin changes. */
  public AuthenticationChain chain() {
    return chain;
  }

  // ---------------------------------------------------------------- authenticator

  @Override
  public CompletionStage<Optional<Map<String, Object>>> authenticator(String listenerId) {
    return run(listenerId, () -> {
      List<AuthenticationProvider> ps = chain.providers();
      return ps.isEmpty() ? Optional.empty() : Optional.of(view(ps.get(0)));
    });
  }

  @Override
  public CompletionStage<Map<String, Object>> createAuthenticator(String listenerId,
      Map<String, Object> config) {
    return run(listenerId, () -> {
      if (!chain.providers().isEmpty()) {
        throw new IllegalStateException("the gateway already has an authenticator ("
            + chain.providers().get(0).id() + "); update it with PUT or delete it first");
      }
      Map<String, Object> c = withoutId(config);
      AuthenticationProvider p = build(c);
      try {
        chain.add(p);
      } catch (IllegalArgumentException e) {
        p.close();
        throw new IllegalStateException(e.getMessage(), e);
      }
      configs.put(p.id(), c);
      log.info("authenticator {} created", p.id());
      return view(p);
    });
  }

  @Override
  public CompletionStage<Map<String, Object>> updateAuthenticator(String listenerId,
      Map<String, Object> config) {
    return run(listenerId, () -> {
      AuthenticationProvider old = first();
      Map<String, Object> c = restoreSecrets(withoutId(config), configs.get(old.id()));
      AuthenticationProvider p = build(c);
      try {
        chain.replace(old.id(), p); // closes the old one
      } catch (IllegalArgumentException e) {
        p.close();
        throw e;
      }
      configs.remove(old.id());
      configs.put(p.id(), c);
      log.info("authenticator {} replaced by {}", old.id(), p.id());
      return view(p);
    });
  }

  @Override
  public CompletionStage<Void> deleteAuthenticator(String listenerId) {
    return run(listenerId, () -> {
      first();
      for (AuthenticationProvider p : chain.providers()) {
        chain.remove(p.id()); // closes it
        configs.remove(p.id());
        log.info("authenticator {} deleted", p.id());
      }
      return null;
    });
  }

  // ---------------------------------------------------------------- users

  @Override
  public CompletionStage<Page<Map<String, Object>>> users(String listenerId, String likeUserId,
      int page, int limit) {
    return run(listenerId, () -> {
      if (page < 1) {
        throw new IllegalArgumentException("page: must be at least 1, was " + page);
      }
      if (limit < 1 || limit > 10_000) {
        throw new IllegalArgumentException("limit: must be from 1 to 10000, was " + limit);
      }
      BuiltInDatabase db = builtIn();
      List<BuiltInDatabase.User> all = db.users(0, Integer.MAX_VALUE);
      if (likeUserId != null && !likeUserId.isEmpty()) {
        all = all.stream().filter(u -> u.userId().contains(likeUserId)).toList();
      }
      long from = (long) (page - 1) * limit;
      List<Map<String, Object>> data = new ArrayList<>();
      for (long i = from; i < Math.min(all.size(), from + limit); i++) {
        data.add(userMap(all.get((int) i)));
      }
      return new Page<>(data, page, limit, all.size(), from + limit < all.size());
    });
  }

  @Override
  public CompletionStage<Map<String, Object>> user(String listenerId, String userId) {
    return run(listenerId, () -> userMap(builtIn().user(userId)
        .orElseThrow(() -> noUser(userId))));
  }

  @Override
  public CompletionStage<Map<String, Object>> createUser(String listenerId,
      Map<String, Object> user) {
    return run(listenerId, () -> {
      BuiltInDatabase db = builtIn();
      String userId = requiredString(user, "user_id");
      if (userId.isEmpty()) {
        throw new IllegalArgumentException("user_id: must not be empty");
      }
      String password = requiredString(user, "password");
      Boolean superuser = optionalBoolean(user, "is_superuser");
      if (db.user(userId).isPresent()) {
        throw new IllegalStateException("user '" + userId + "' already exists");
      }
      db.addUser(userId, password, superuser != null && superuser);
      return userMap(db.user(userId).orElseThrow());
    });
  }

  @Override
  public CompletionStage<Map<String, Object>> updateUser(String listenerId, String userId,
      Map<String, Object> user) {
    return run(listenerId, () -> {
      BuiltInDatabase db = builtIn();
      Object pw = user.get("password");
      if (pw != null && !(pw instanceof String)) {
        throw new IllegalArgumentException("password: must be a string");
      }
      Boolean superuser = optionalBoolean(user, "is_superuser");
      if (pw == null && superuser == null) {
        throw new IllegalArgumentException("password or is_superuser is required");
      }
      if (db.user(userId).isEmpty()) {
        throw noUser(userId);
      }
      db.updateUser(userId, (String) pw, superuser);
      return userMap(db.user(userId).orElseThrow());
    });
  }

  @Override
  public CompletionStage<Void> deleteUser(String listenerId, String userId) {
    return run(listenerId, () -> {
      if (!builtIn().deleteUser(userId)) {
        throw noUser(userId);
      }
      return null;
    });
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Stops this admin's thread: calls already queued run (for up to 5 seconds), later ones fail
   * with {@link RejectedExecutionException}. Does not close the chain.
   */
  @Override
  public void close() {
    executor.shutdown();
    try {
      if (executor.awaitTermination(5, TimeUnit.SECONDS)) {
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Runnable r : executor.shutdownNow()) {
      if (r instanceof Task<?> t) {
        t.future.completeExceptionally(new RejectedExecutionException(
            "authentication admin closed before this call ran"));
      }
    }
  }

  // ---------------------------------------------------------------- internals

  private static final class Task<T> implements Runnable {
    final CompletableFuture<T> future = new CompletableFuture<>();
    private final Callable<T> body;

    Task(Callable<T> body) {
      this.body = body;
    }

    @Override
    public void run() {
      try {
        future.complete(body.call());
      } catch (Throwable t) {
        future.completeExceptionally(t);
      }
    }
  }

  private <T> CompletionStage<T> run(String listenerId, Callable<T> body) {
    if (listenerId != null) {
      return CompletableFuture.failedStage(new UnsupportedOperationException("per-listener"
          + " authentication is not supported; configure the gateway-wide authenticator"
          + " (/gateways/exproto/authentication): the gateway-wide authenticator applies to"
          + " listeners with enable_authn = true, " + listenerId + " included unless it sets"
          + " enable_authn = false"));
    }
    Task<T> task = new Task<>(body);
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedStage(new RejectedExecutionException(executor.isShutdown()
          ? "authentication admin is closed (the gateway is stopping)"
          : "authentication admin is busy: " + MAX_QUEUED + " requests are waiting; retry"
              + " later"));
    }
    return task.future;
  }

  private AuthenticationProvider first() {
    List<AuthenticationProvider> ps = chain.providers();
    if (ps.isEmpty()) {
      throw new NoSuchElementException("no authenticator is configured on the gateway");
    }
    return ps.get(0);
  }

  private BuiltInDatabase builtIn() {
    List<AuthenticationProvider> ps = chain.providers();
    if (ps.isEmpty()) {
      throw new NoSuchElementException("no authenticator is configured on the gateway; create"
          + " one with mechanism password_based and backend built_in_database first");
    }
    for (AuthenticationProvider p : ps) {
      if (p instanceof BuiltInDatabase db) {
        return db;
      }
    }
    throw new UnsupportedOperationException("the gateway's authenticator (" + ps.get(0).id()
        + ") has no users to manage here: users exist only with backend built_in_database");
  }

  private AuthenticationProvider build(Map<String, Object> config) {
    if ("false".equals(String.valueOf(config.get("enable")))) {
      throw new IllegalArgumentException("enable: false is not supported here; delete the"
          + " authenticator to turn authentication off");
    }
    AuthenticationProvider p;
    try {
      p = Authenticators.provider(config, "authentication", dataDir);
    } catch (UncheckedIOException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    if (p == null) { // enable = false in a form the check above did not catch
      throw new IllegalArgumentException("enable: must be true");
    }
    return p;
  }

  /** {@code mechanism} and {@code backend} as a provider id, or null if they are not given. */
  static String idOf(Map<String, ?> config) {
    Object mechanism = config.get("mechanism");
    if (mechanism == null) {
      return null;
    }
    if (!"password_based".equals(mechanism.toString())) {
      return mechanism.toString();
    }
    Object backend = config.get("backend");
    return backend == null ? null : "password_based:" + backend;
  }

  private Map<String, Object> view(AuthenticationProvider p) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", p.id());
    Map<String, Object> c = configs.get(p.id());
    if (c == null) {
      int colon = p.id().indexOf(':');
      out.put("mechanism", colon < 0 ? p.id() : p.id().substring(0, colon));
      if (colon >= 0) {
        out.put("backend", p.id().substring(colon + 1));
      }
    } else {
      @SuppressWarnings("unchecked")
      Map<String, Object> redacted = (Map<String, Object>) redact(c);
      out.putAll(redacted);
    }
    out.putIfAbsent("enable", true);
    return out;
  }

  /** A deep copy of {@code config} without {@code id} (shown by GET, not a setting). */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> withoutId(Map<String, ?> config) {
    if (config == null) {
      throw new IllegalArgumentException("a JSON object is required");
    }
    Map<String, Object> c = (Map<String, Object>) copy(config);
    c.remove("id");
    return c;
  }

  private static Object copy(Object v) {
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, x) -> out.put(String.valueOf(k), copy(x)));
      return out;
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      l.forEach(x -> out.add(copy(x)));
      return out;
    }
    return v;
  }

  static boolean isSecret(String key) {
    String k = key.toLowerCase(Locale.ROOT);
    return k.contains("password") || k.contains("secret") || k.equals("authorization");
  }

  /** A copy with secret values (strings under a secret key) replaced by {@link #REDACTED}. */
  static Object redact(Object v) {
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, x) -> {
        String key = String.valueOf(k);
        out.put(key, isSecret(key) && (x instanceof String || x instanceof Number)
            ? REDACTED : redact(x));
      });
      return out;
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      l.forEach(x -> out.add(redact(x)));
      return out;
    }
    return v;
  }

  /** {@code next} with every {@link #REDACTED} value replaced by the value at its place in old. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> restoreSecrets(Map<String, Object> next, Map<String, Object> old) {
    if (old == null) {
      return next;
    }
    for (Map.Entry<String, Object> e : next.entrySet()) {
      Object o = old.get(e.getKey());
      Object v = e.getValue();
      if (REDACTED.equals(v) && o != null) {
        e.setValue(o);
      } else if (v instanceof Map<?, ?> m && o instanceof Map<?, ?> om) {
        restoreSecrets((Map<String, Object>) m, (Map<String, Object>) om);
      } else if (v instanceof List<?> l && o instanceof List<?> ol) {
        List<Object> list = (List<Object>) l;
        for (int i = 0; i < list.size() && i < ol.size(); i++) {
          if (list.get(i) instanceof Map<?, ?> m && ol.get(i) instanceof Map<?, ?> om) {
            restoreSecrets((Map<String, Object>) m, (Map<String, Object>) om);
          }
        }
      }
    }
    return next;
  }

  private static Map<String, Object> userMap(BuiltInDatabase.User u) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("user_id", u.userId());
    m.put("is_superuser", u.superuser());
    return m;
  }

  private static NoSuchElementException noUser(String userId) {
    return new NoSuchElementException("User not found: " + userId);
  }

  private static String requiredString(Map<String, Object> body, String field) {
    Object v = body.get(field);
    if (v == null) {
      throw new IllegalArgumentException(field + ": required");
    }
    if (!(v instanceof String s)) {
      throw new IllegalArgumentException(field + ": must be a string");
    }
    return s;
  }

  private static Boolean optionalBoolean(Map<String, Object> body, String field) {
    Object v = body.get(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Boolean b)) {
      throw new IllegalArgumentException(field + ": must be true or false, was " + v);
    }
    return b;
  }
}
