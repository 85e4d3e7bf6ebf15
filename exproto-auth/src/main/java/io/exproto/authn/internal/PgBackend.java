package io.exproto.authn.internal;

import io.exproto.authn.ConfigReader;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The PostgreSQL side shared by the postgresql authenticator and authorization source: EMQX's
 * {@code server}, {@code database}, {@code username}, {@code password}, {@code pool_size},
 * {@code query}, {@code ssl}. The query's placeholders become JDBC parameters, bound, never spliced
 * into the SQL. Queries run on {@code pool_size} threads of their own with a HikariCP pool of as
 * many connections, never on an event loop; at most {@code max_pending} wait (beyond it a check is
 * refused at once). Thread-safe.
 */
public final class PgBackend implements AutoCloseable {
  /** Settings this class reads. */
  public static final Set<String> KEYS = Set.of("server", "database", "username", "password",
      "pool_size", "query", "ssl", "auto_reconnect", "max_pending", "request_timeout",
      "connect_timeout", "disable_prepared_statements");

  private final String sql;
  private final List<String> params;
  private final HikariDataSource pool;
  private final BoundedExecutor executor;
  private final int queryTimeoutSeconds;
  private final String where;

  public PgBackend(ConfigReader c, Set<String> vars, String name) {
    String server = c.requiredString("server");
    String host = server;
    int port = 5432;
    int colon = server.lastIndexOf(':');
    if (colon > 0 && !server.endsWith("]")) {
      host = server.substring(0, colon);
      try {
        port = Integer.parseInt(server.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw c.error("server", "'" + server + "' is not host[:port]");
      }
    }
    String database = c.requiredString("database");
    Template q = Template.parse(c.requiredString("query"), vars, c.at("query"));
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < q.vars().size(); i++) {
      b.append(q.literals().get(i)).append('?');
    }
    b.append(q.literals().get(q.vars().size()));
    this.sql = b.toString();
    this.params = List.copyOf(q.vars());
    int poolSize = c.integer("pool_size", 8, 1, 1024);
    Duration timeout = c.positiveDuration("request_timeout", Duration.ofSeconds(5));
    this.queryTimeoutSeconds = (int) Math.max(1, timeout.toSeconds());
    HikariConfig hc = new HikariConfig();
    hc.setJdbcUrl("jdbc:postgresql://" + host + ":" + port + "/" + database);
    hc.setUsername(c.string("username", "root"));
    hc.setPassword(c.string("password", ""));
    hc.setMaximumPoolSize(poolSize);
    hc.setMinimumIdle(Math.min(1, poolSize));
    hc.setPoolName(name);
    hc.setConnectionTimeout(Math.max(250,
        c.positiveDuration("connect_timeout", Duration.ofSeconds(5)).toMillis()));
    hc.setInitializationFailTimeout(-1); // start even while the database is down
    hc.addDataSourceProperty("connectTimeout", "5");
    hc.addDataSourceProperty("socketTimeout", Long.toString(timeout.toSeconds() + 5));
    hc.addDataSourceProperty("ApplicationName", "exproto");
    ConfigReader ssl = c.object("ssl");
    if (ssl.bool("enable", false)) {
      String verify = ssl.oneOf("verify", "verify_peer", "verify_peer", "verify_none");
      hc.addDataSourceProperty("sslmode", verify.equals("verify_none") ? "require" : "verify-full");
      if (ssl.has("cacertfile")) {
        hc.addDataSourceProperty("sslrootcert", ssl.string("cacertfile", null));
      }
      if (ssl.has("certfile")) {
        hc.addDataSourceProperty("sslcert", ssl.string("certfile", null));
      }
      if (ssl.has("keyfile")) {
        hc.addDataSourceProperty("sslkey", ssl.string("keyfile", null));
      }
    } else {
      hc.addDataSourceProperty("sslmode", "disable");
    }
    this.pool = new HikariDataSource(hc);
    this.executor = new BoundedExecutor(name, poolSize, c.integer("max_pending", 10_000, 1,
        1_000_000));
    this.where = "postgresql " + host + ":" + port + "/" + database;
  }

  /** Where the database is, for logs. */
  public String where() {
    return where;
  }

  /**
   * Runs the query with {@code vars} bound, off the caller's thread, and maps the rows (column
   * labels in lower case) with {@code then} on the query thread.
   */
  public <T> CompletableFuture<T> query(Function<String, String> vars,
      Function<List<Map<String, Object>>, T> then) {
    List<String> values = new ArrayList<>(params.size());
    for (String p : params) {
      String v = vars.apply(p);
      values.add(v == null ? "" : v);
    }
    return executor.submit(() -> then.apply(run(values)));
  }

  private List<Map<String, Object>> run(List<String> values) {
    try (Connection conn = pool.getConnection();
        PreparedStatement ps = conn.prepareStatement(sql)) {
      ps.setQueryTimeout(queryTimeoutSeconds);
      for (int i = 0; i < values.size(); i++) {
        ps.setString(i + 1, values.get(i));
      }
      try (ResultSet rs = ps.executeQuery()) {
        ResultSetMetaData md = rs.getMetaData();
        List<Map<String, Object>> rows = new ArrayList<>();
        while (rs.next() && rows.size() < 10_000) {
          Map<String, Object> row = new LinkedHashMap<>();
          for (int i = 1; i <= md.getColumnCount(); i++) {
            row.put(md.getColumnLabel(i).toLowerCase(Locale.ROOT), rs.getObject(i));
          }
          rows.add(row);
        }
        return rows;
      }
    } catch (SQLException e) {
      throw new IllegalStateException(where + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    executor.close();
    pool.close();
  }
}
