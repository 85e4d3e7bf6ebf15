package io.exproto.authn;

import io.exproto.auth.Credentials;
import io.exproto.authn.internal.BoundedExecutor;
import io.exproto.authn.internal.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * EMQX's {@code built_in_database} authenticator ({@code mechanism = password_based, backend =
 * built_in_database}) with its user store.
 *
 * <p>Users live in an embedded SQLite file ({@link Builder#databaseFile}, default
 * {@code data/exproto-authn.sqlite} under the working directory) in WAL mode with
 * {@code synchronous = FULL}: a user added, changed or deleted is on disk when the call returns, and
 * survives the process being killed right after. SQLite was chosen over H2 for exactly this: H2's
 * store writes committed changes to disk in the background, so a kill within about a second can
 * lose them. Every user is also held in memory, so a check never touches the disk; slow hashes
 * (pbkdf2, bcrypt) are computed on a small bounded pool, never on an event loop, and cheap ones
 * inline.
 *
 * <p>The user methods are thread-safe and block for one disk write; call them from management
 * threads, not from an event loop. Several authenticators (e.g. of several gateways) may share one
 * file with different {@link Builder#userGroup user groups}.
 */
public final class BuiltInDatabase implements AuthenticationProvider {
  private static final Logger log = LoggerFactory.getLogger(BuiltInDatabase.class);

  /** Which credential is the user id. */
  public enum UserIdType { USERNAME, CLIENTID }

  /** A user as the store shows it (never the password or its hash). */
  public record User(String userId, boolean superuser) {}

  private record Stored(String hash, String salt, boolean superuser) {}

  private final UserIdType userIdType;
  private final PasswordHashing hashing;
  private final String group;
  private final Path file;
  private final Connection db;
  private final ConcurrentHashMap<String, Stored> users = new ConcurrentHashMap<>();
  private final BoundedExecutor hashPool;

  private BuiltInDatabase(Builder b) throws IOException {
    this.userIdType = b.userIdType;
    this.hashing = b.hashing;
    this.group = b.userGroup;
    this.file = b.databaseFile.toAbsolutePath();
    Path dir = file.getParent();
    if (dir != null) {
      Files.createDirectories(dir);
    }
    try {
      db = DriverManager.getConnection("jdbc:sqlite:" + file);
      try (Statement s = db.createStatement()) {
        s.execute("PRAGMA journal_mode=WAL");
        s.execute("PRAGMA synchronous=FULL");
        s.execute("PRAGMA busy_timeout=5000");
        s.execute("CREATE TABLE IF NOT EXISTS users (user_group TEXT NOT NULL, user_id TEXT NOT"
            + " NULL, password_hash TEXT NOT NULL, salt TEXT NOT NULL, is_superuser INTEGER NOT"
            + " NULL, PRIMARY KEY (user_group, user_id))");
      }
      try (PreparedStatement ps = db.prepareStatement(
          "SELECT user_id, password_hash, salt, is_superuser FROM users WHERE user_group = ?")) {
        ps.setString(1, group);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            users.put(rs.getString(1), new Stored(rs.getString(2), rs.getString(3),
                rs.getInt(4) != 0));
          }
        }
      }
    } catch (SQLException e) {
      throw new IOException("cannot open the built-in user database " + file + ": "
          + e.getMessage(), e);
    }
    int threads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    hashPool = new BoundedExecutor("exproto-authn-hash", threads, b.maxPendingChecks);
    if (b.bootstrapFile != null) {
      int added = importUsers(b.bootstrapFile, b.bootstrapHashed, false);
      log.info("built-in database: {} users added from bootstrap file {}", added,
          b.bootstrapFile);
    }
  }

  /** A builder with EMQX's defaults. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String id() {
    return "password_based:built_in_database";
  }

  /** The database file. */
  public Path databaseFile() {
    return file;
  }

  @Override
  public CompletionStage<AuthnOutcome> authenticate(Credentials c) {
    String userId = userIdType == UserIdType.USERNAME ? c.username() : c.clientId();
    Stored u = users.get(userId);
    if (u == null) {
      return CompletableFuture.completedStage(AuthnOutcome.ignore("user not found"));
    }
    String password = c.password();
    if (hashing.name() == PasswordHashing.Name.PBKDF2
        || hashing.name() == PasswordHashing.Name.BCRYPT) {
      return hashPool.submit(() -> decide(u, password));
    }
    return CompletableFuture.completedStage(decide(u, password));
  }

  private AuthnOutcome decide(Stored u, String password) {
    return hashing.check(password, u.hash, u.salt) ? AuthnOutcome.allow(u.superuser, null)
        : AuthnOutcome.deny("bad username or password");
  }

  // ---------------------------------------------------------------- users

  /**
   * Adds a user, durably.
   *
   * @throws IllegalArgumentException if the user exists or the id is empty
   * @throws IllegalStateException if the database cannot be written
   */
  public synchronized void addUser(String userId, String password, boolean superuser) {
    requireId(userId);
    Objects.requireNonNull(password, "password");
    if (users.containsKey(userId)) {
      throw new IllegalArgumentException("user '" + userId + "' already exists");
    }
    PasswordHashing.Hashed h = hashing.hash(password);
    write(userId, new Stored(h.hash(), h.salt(), superuser), true);
  }

  /**
   * Changes a user's password and/or superuser flag, durably; null leaves a field as it is.
   *
   * @throws IllegalArgumentException if there is no such user
   */
  public synchronized void updateUser(String userId, String password, Boolean superuser) {
    Stored old = users.get(userId);
    if (old == null) {
      throw new IllegalArgumentException("no user '" + userId + "'");
    }
    String hash = old.hash;
    String salt = old.salt;
    if (password != null) {
      PasswordHashing.Hashed h = hashing.hash(password);
      hash = h.hash();
      salt = h.salt();
    }
    write(userId, new Stored(hash, salt, superuser == null ? old.superuser : superuser), false);
  }

  /** Deletes a user, durably; false if there was none. */
  public synchronized boolean deleteUser(String userId) {
    if (!users.containsKey(userId)) {
      return false;
    }
    try (PreparedStatement ps = db.prepareStatement(
        "DELETE FROM users WHERE user_group = ? AND user_id = ?")) {
      ps.setString(1, group);
      ps.setString(2, userId);
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot delete user '" + userId + "' from " + file + ": "
          + e.getMessage(), e);
    }
    users.remove(userId);
    return true;
  }

  /** The user with {@code userId}, if any. */
  public Optional<User> user(String userId) {
    Stored s = users.get(userId);
    return s == null ? Optional.empty() : Optional.of(new User(userId, s.superuser));
  }

  /** Users sorted by id, {@code limit} from {@code offset}. */
  public List<User> users(int offset, int limit) {
    return users.entrySet().stream().sorted(Map.Entry.comparingByKey()).skip(offset)
        .limit(limit).map(e -> new User(e.getKey(), e.getValue().superuser)).toList();
  }

  /** The number of users. */
  public int userCount() {
    return users.size();
  }

  /**
   * Imports users from an EMQX bootstrap/import file: CSV (header {@code
   * user_id,password,is_superuser}, or {@code user_id,password_hash,salt,is_superuser} when
   * {@code hashed}) or JSON (an array of objects with the same fields), chosen by the file's
   * extension ({@code .json} or else CSV). Hashes are taken as they are and must be of this
   * authenticator's algorithm.
   *
   * @param overwrite true to replace existing users, false to keep them (as a bootstrap does)
   * @return the number of users added or replaced
   * @throws IllegalArgumentException naming the file and line that is wrong
   */
  public synchronized int importUsers(Path path, boolean hashed, boolean overwrite) {
    List<Map<String, Object>> rows;
    try {
      String text = Files.readString(path, StandardCharsets.UTF_8);
      rows = path.toString().toLowerCase(Locale.ROOT).endsWith(".json") ? jsonRows(path, text)
          : csvRows(path, text);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read user file " + path + ": " + e, e);
    }
    List<Map.Entry<String, Stored>> toWrite = new ArrayList<>();
    int n = 0;
    for (Map<String, Object> row : rows) {
      n++;
      String where = path + " (user " + n + ")";
      String id = str(row.get("user_id"));
      if (id == null || id.isEmpty()) {
        continue; // EMQX's shipped CSV has an empty line of this kind
      }
      if (!overwrite && users.containsKey(id)) {
        continue;
      }
      boolean superuser = bool(row.get("is_superuser"), where);
      Stored s;
      if (hashed) {
        String hash = str(row.get("password_hash"));
        if (hash == null || hash.isEmpty()) {
          throw new IllegalArgumentException(where + ": password_hash is missing");
        }
        String salt = str(row.get("salt"));
        s = new Stored(hash, salt == null ? "" : salt, superuser);
      } else {
        String pw = str(row.get("password"));
        if (pw == null) {
          throw new IllegalArgumentException(where + ": password is missing");
        }
        PasswordHashing.Hashed h = hashing.hash(pw);
        s = new Stored(h.hash(), h.salt(), superuser);
      }
      toWrite.add(Map.entry(id, s));
    }
    try {
      db.setAutoCommit(false);
      try (PreparedStatement ps = db.prepareStatement("INSERT OR REPLACE INTO users (user_group,"
          + " user_id, password_hash, salt, is_superuser) VALUES (?, ?, ?, ?, ?)")) {
        for (Map.Entry<String, Stored> e : toWrite) {
          bind(ps, e.getKey(), e.getValue());
          ps.addBatch();
        }
        ps.executeBatch();
      }
      db.commit();
    } catch (SQLException e) {
      try {
        db.rollback();
      } catch (SQLException ignored) {
        // the original error says more
      }
      throw new IllegalStateException("cannot import users into " + file + ": " + e.getMessage(),
          e);
    } finally {
      try {
        db.setAutoCommit(true);
      } catch (SQLException ignored) {
        // next statement reports it
      }
    }
    for (Map.Entry<String, Stored> e : toWrite) {
      users.put(e.getKey(), e.getValue());
    }
    return toWrite.size();
  }

  private static List<Map<String, Object>> jsonRows(Path path, String text) {
    List<Map<String, Object>> rows = new ArrayList<>();
    List<Object> array;
    try {
      array = Json.array(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(path + ": " + e.getMessage());
    }
    for (Object o : array) {
      if (!(o instanceof Map<?, ?> m)) {
        throw new IllegalArgumentException(path + ": every element must be an object");
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> row = (Map<String, Object>) m;
      rows.add(row);
    }
    return rows;
  }

  private static List<Map<String, Object>> csvRows(Path path, String text) {
    List<String> lines = text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    if (lines.isEmpty()) {
      return List.of();
    }
    String[] header = lines.get(0).split(",", -1);
    for (int i = 0; i < header.length; i++) {
      header[i] = header[i].strip();
    }
    if (!List.of(header).contains("user_id")) {
      throw new IllegalArgumentException(path + ": the first line must be a header naming"
          + " user_id and password (or password_hash, salt), e.g."
          + " user_id,password,is_superuser");
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int l = 1; l < lines.size(); l++) {
      String[] f = lines.get(l).split(",", -1);
      if (f.length != header.length) {
        throw new IllegalArgumentException(path + " line " + (l + 1) + ": " + f.length
            + " fields, the header has " + header.length);
      }
      Map<String, Object> row = new HashMap<>();
      for (int i = 0; i < f.length; i++) {
        row.put(header[i], f[i].strip());
      }
      rows.add(row);
    }
    return rows;
  }

  private static String str(Object o) {
    return o == null ? null : o.toString();
  }

  private static boolean bool(Object o, String where) {
    if (o == null || o.toString().isEmpty()) {
      return false;
    }
    if (o instanceof Boolean b) {
      return b;
    }
    String s = o.toString().toLowerCase(Locale.ROOT);
    if (s.equals("true") || s.equals("false")) {
      return Boolean.parseBoolean(s);
    }
    throw new IllegalArgumentException(where + ": is_superuser must be true or false, was '" + o
        + "'");
  }

  private void write(String userId, Stored s, boolean insert) {
    try (PreparedStatement ps = db.prepareStatement(insert
        ? "INSERT INTO users (user_group, user_id, password_hash, salt, is_superuser)"
            + " VALUES (?, ?, ?, ?, ?)"
        : "INSERT OR REPLACE INTO users (user_group, user_id, password_hash, salt, is_superuser)"
            + " VALUES (?, ?, ?, ?, ?)")) {
      bind(ps, userId, s);
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot write user '" + userId + "' to " + file + ": "
          + e.getMessage(), e);
    }
    users.put(userId, s);
  }

  private void bind(PreparedStatement ps, String userId, Stored s) throws SQLException {
    ps.setString(1, group);
    ps.setString(2, userId);
    ps.setString(3, s.hash);
    ps.setString(4, s.salt);
    ps.setInt(5, s.superuser ? 1 : 0);
  }

  private static void requireId(String userId) {
    if (userId == null || userId.isEmpty()) {
      throw new IllegalArgumentException("user_id must not be empty");
    }
  }

  @Override
  public synchronized void close() {
    hashPool.close();
    try {
      db.close();
    } catch (SQLException e) {
      log.warn("closing {}: {}", file, e.toString());
    }
  }

  @Override
  public String toString() {
    return id() + "[" + userIdType.name().toLowerCase(Locale.ROOT) + ", " + hashing + ", " + file
        + "]";
  }

  /** Builds a {@link BuiltInDatabase}. Not thread-safe. */
  public static final class Builder {
    private UserIdType userIdType = UserIdType.USERNAME;
    private PasswordHashing hashing = PasswordHashing.defaults();
    private Path databaseFile = Path.of("data", "exproto-authn.sqlite");
    private String userGroup = "exproto";
    private Path bootstrapFile;
    private boolean bootstrapHashed;
    private int maxPendingChecks = 10_000;

    private Builder() {}

    /** EMQX's {@code user_id_type}. Default username. */
    public Builder userIdType(UserIdType type) {
      this.userIdType = Objects.requireNonNull(type, "userIdType");
      return this;
    }

    /** EMQX's {@code password_hash_algorithm}. Default sha256, salt prefix. */
    public Builder passwordHashing(PasswordHashing hashing) {
      this.hashing = Objects.requireNonNull(hashing, "hashing");
      return this;
    }

    /** The SQLite file; created with its directories. Default {@code data/exproto-authn.sqlite}. */
    public Builder databaseFile(Path file) {
      this.databaseFile = Objects.requireNonNull(file, "file");
      return this;
    }

    /** The group of users this authenticator sees within the file. Default {@code exproto}. */
    public Builder userGroup(String group) {
      this.userGroup = Objects.requireNonNull(group, "group");
      return this;
    }

    /**
     * EMQX's {@code bootstrap_file} and {@code bootstrap_type} ({@code hashed} = {@code hash}):
     * users in it that are not in the database yet are added at start.
     */
    public Builder bootstrapFile(Path file, boolean hashed) {
      this.bootstrapFile = file;
      this.bootstrapHashed = hashed;
      return this;
    }

    /**
     * The most pbkdf2/bcrypt checks waiting for a hashing thread; beyond it a check is refused at
     * once (the authenticator answers ignore for it). Default 10000.
     */
    public Builder maxPendingChecks(int max) {
      if (max < 1) {
        throw new IllegalArgumentException("maxPendingChecks must be at least 1, was " + max);
      }
      this.maxPendingChecks = max;
      return this;
    }

    /**
     * Opens (or creates) the database and runs the bootstrap file.
     *
     * @throws IOException if the file cannot be opened
     * @throws IllegalArgumentException if the bootstrap file is malformed
     */
    public BuiltInDatabase build() throws IOException {
      if (bootstrapFile != null && !Files.isReadable(bootstrapFile)) {
        throw new IllegalArgumentException("bootstrap_file: cannot read " + bootstrapFile);
      }
      return new BuiltInDatabase(this);
    }
  }
}
