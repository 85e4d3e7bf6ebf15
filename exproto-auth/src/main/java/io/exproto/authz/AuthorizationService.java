package io.exproto.authz;

import io.exproto.auth.Authorizer;
import io.exproto.auth.ClientIdentity;
import io.exproto.authn.ConfigReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * EMQX's {@code authorization} as a gateway {@link Authorizer}: the sources in order, the first
 * that allows or denies decides; if none does, {@code no_match} (default allow); a denial answers
 * PERMISSION_DENY and, with {@code deny_action = disconnect}, closes the connection with
 * {@code {shutdown,not_authorized}}. Decisions are cached per client ({@code cache}: on, 32
 * entries, 1 minute, as in EMQX). A source that fails or times out counts as no match, as in
 * EMQX; a superuser is always allowed.
 *
 * <p>Sources can be added, replaced and removed at runtime ({@link #addSource},
 * {@link #replaceSource}, {@link #removeSource}); the cache is cleared on every change. Thread-safe.
 */
public final class AuthorizationService implements Authorizer, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AuthorizationService.class);
  private static final Set<String> KEYS = Set.of("no_match", "deny_action", "cache", "sources");
  private static final Set<String> CACHE_KEYS = Set.of("enable", "max_size", "ttl", "excludes");

  private final boolean noMatchAllow;
  private final boolean disconnect;
  private final AuthorizationCache cache; // null: off
  private volatile List<AuthorizationSource> sources;

  private AuthorizationService(Builder b) {
    this.noMatchAllow = b.noMatchAllow;
    this.disconnect = b.disconnect;
    this.cache = b.cacheEnabled ? new AuthorizationCache(b.cacheMaxSize, b.cacheTtl,
        b.cacheMaxClients, b.nanoClock) : null;
    this.sources = List.copyOf(b.sources);
  }

  /** A builder with EMQX's defaults and no sources. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Reads EMQX's top-level {@code authorization { no_match, deny_action, cache { enable,
   * max_size, ttl }, sources = [ {type = file | http | postgresql, ...} ] }}. Sources with
   * {@code enable = false} are left out; other EMQX types (built_in_database, mysql, mongodb,
   * redis, ldap) are refused with an error that says so.
   *
   * @param path where the block is, for errors (e.g. {@code authorization})
   * @param baseDir what relative ACL file paths are resolved against
   * @throws IllegalArgumentException naming the setting that is wrong
   */
  public static AuthorizationService fromConfig(Map<String, Object> block, String path,
      Path baseDir) {
    ConfigReader c = new ConfigReader(block, path);
    c.refuseUnknown(KEYS);
    Builder b = builder()
        .noMatch(c.oneOf("no_match", "allow", "allow", "deny").equals("allow"))
        .denyAction(c.oneOf("deny_action", "ignore", "ignore", "disconnect")
            .equals("disconnect"));
    ConfigReader cache = c.object("cache");
    cache.refuseUnknown(CACHE_KEYS);
    if (!cache.list("excludes").isEmpty()) {
      throw cache.error("excludes", "is not supported by this gateway; leave it empty");
    }
    b.cache(cache.bool("enable", true), cache.integer("max_size", 32, 1, 1_048_576),
        cache.positiveDuration("ttl", Duration.ofMinutes(1)));
    List<Object> list = c.list("sources");
    List<AuthorizationSource> built = new ArrayList<>();
    try {
      for (int i = 0; i < list.size(); i++) {
        String at = c.at("sources") + "[" + i + "]";
        if (!(list.get(i) instanceof Map<?, ?> m)) {
          throw new IllegalArgumentException(at + ": expected a source object { type = ... }");
        }
        @SuppressWarnings("unchecked")
        AuthorizationSource s = source((Map<String, Object>) m, at, baseDir);
        if (s == null) {
          continue;
        }
        for (AuthorizationSource other : built) {
          if (other.type().equals(s.type())) {
            s.close();
            throw new IllegalArgumentException(at + ": a second source of type '" + s.type()
                + "'; each type may appear once");
          }
        }
        built.add(s);
      }
    } catch (RuntimeException e) {
      built.forEach(AuthorizationSource::close);
      throw e;
    }
    built.forEach(b::source);
    return b.build();
  }

  /**
   * One source from its EMQX block, or null if {@code enable = false}.
   *
   * @throws IllegalArgumentException naming the setting that is wrong
   */
  public static AuthorizationSource source(Map<String, Object> block, String path,
      Path baseDir) {
    ConfigReader c = new ConfigReader(block, path);
    if (!c.bool("enable", true)) {
      return null;
    }
    String type = c.string("type", null);
    if (type == null) {
      throw c.error("type", "required: file, http or postgresql");
    }
    switch (type) {
      case "file": {
        c.refuseUnknown(Set.of("type", "enable", "path", "rules"));
        if (c.has("rules")) {
          try {
            return AclFile.of(c.string("rules", ""), c.at("rules"));
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
          }
        }
        String p = c.requiredString("path");
        Path file = baseDir.resolve(p);
        try {
          return AclFile.load(file);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(c.at("path") + ": " + e.getMessage(), e);
        }
      }
      case "http":
        return HttpAuthorizationSource.fromConfig(c);
      case "postgresql":
        return PostgresqlAuthorizationSource.fromConfig(c);
      case "built_in_database", "mysql", "mongodb", "redis", "ldap", "client_info":
        throw c.error("type", "'" + type + "' is not supported by this gateway; supported:"
            + " file, http, postgresql");
      default:
        throw c.error("type", "'" + type + "' is not one of file, http, postgresql");
    }
  }

  // ---------------------------------------------------------------- runtime changes

  /** The sources, in order. */
  public List<AuthorizationSource> sources() {
    return sources;
  }

  /** The source of {@code type}, if any. */
  public Optional<AuthorizationSource> source(String type) {
    return sources.stream().filter(s -> s.type().equals(type)).findFirst();
  }

  /**
   * Appends a source.
   *
   * @throws IllegalArgumentException if a source of its type is there
   */
  public synchronized void addSource(AuthorizationSource source) {
    if (source(source.type()).isPresent()) {
      throw new IllegalArgumentException("a source of type '" + source.type()
          + "' is already configured; replace or remove it");
    }
    List<AuthorizationSource> next = new ArrayList<>(sources);
    next.add(source);
    sources = List.copyOf(next);
    clearCache();
  }

  /**
   * Replaces the source of {@code type} at its position and closes the old one.
   *
   * @throws IllegalArgumentException if there is none
   */
  public void replaceSource(String type, AuthorizationSource source) {
    AuthorizationSource old;
    synchronized (this) {
      List<AuthorizationSource> next = new ArrayList<>(sources);
      int i = next.stream().map(AuthorizationSource::type).toList().indexOf(type);
      if (i < 0) {
        throw new IllegalArgumentException("no source of type '" + type + "'");
      }
      old = next.set(i, source);
      sources = List.copyOf(next);
      clearCache();
    }
    old.close();
  }

  /** Removes and closes the source of {@code type}; false if there was none. */
  public boolean removeSource(String type) {
    AuthorizationSource old;
    synchronized (this) {
      List<AuthorizationSource> next = new ArrayList<>(sources);
      int i = next.stream().map(AuthorizationSource::type).toList().indexOf(type);
      if (i < 0) {
        return false;
      }
      old = next.remove(i);
      sources = List.copyOf(next);
      clearCache();
    }
    old.close();
    return true;
  }

  /** Forgets every cached decision (EMQX's "clean cache"). */
  public void clearCache() {
    if (cache != null) {
      cache.clear();
    }
  }

  // ---------------------------------------------------------------- checks

  @Override
  public CompletionStage<Decision> authorize(ClientIdentity client, Action action, String topic) {
    if (client.superuser()) {
      return Decision.of(true);
    }
    if (cache != null) {
      Decision d = cache.get(client, action, topic);
      if (d != null) {
        return stage(d);
      }
    }
    List<AuthorizationSource> list = sources;
    CompletionStage<AuthzResult> result = next(list, 0, client, action, topic);
    return result.thenApply(r -> {
      Decision d = switch (r) {
        case ALLOW -> Decision.ALLOW;
        case DENY -> denied();
        default -> noMatchAllow ? Decision.ALLOW : denied();
      };
      if (cache != null) {
        cache.put(client, action, topic, d);
      }
      return d;
    });
  }

  private Decision denied() {
    return disconnect ? Decision.DISCONNECT : Decision.DENY;
  }

  private static final CompletionStage<Decision> DISCONNECT_STAGE =
      CompletableFuture.completedStage(Decision.DISCONNECT);

  private static CompletionStage<Decision> stage(Decision d) {
    return d == Decision.DISCONNECT ? DISCONNECT_STAGE : Decision.of(d == Decision.ALLOW);
  }

  private static final CompletionStage<AuthzResult> NOMATCH =
      CompletableFuture.completedStage(AuthzResult.NOMATCH);

  private CompletionStage<AuthzResult> next(List<AuthorizationSource> list, int i,
      ClientIdentity client, Action action, String topic) {
    if (i == list.size()) {
      return NOMATCH;
    }
    AuthorizationSource s = list.get(i);
    if (s instanceof AclFile file) {
      AuthzResult r = file.check(client, action, topic); // inline: no stage per rule file
      return r == AuthzResult.NOMATCH ? next(list, i + 1, client, action, topic)
          : CompletableFuture.completedStage(r);
    }
    CompletionStage<AuthzResult> stage;
    try {
      stage = s.authorize(client, action, topic);
    } catch (RuntimeException e) {
      stage = CompletableFuture.failedStage(e);
    }
    return stage.handle((r, e) -> {
      if (e != null || r == null) {
        log.warn("authorization source {} failed for client {}; counts as no match: {}",
            s.type(), client.clientId(), e == null ? "no result" : e.toString());
        return AuthzResult.NOMATCH;
      }
      return r;
    }).thenCompose(r -> r == AuthzResult.NOMATCH ? next(list, i + 1, client, action, topic)
        : CompletableFuture.completedStage(r));
  }

  /** Closes every source. */
  @Override
  public synchronized void close() {
    for (AuthorizationSource s : sources) {
      try {
        s.close();
      } catch (RuntimeException e) {
        log.warn("source {} did not close cleanly: {}", s.type(), e.toString());
      }
    }
    sources = List.of();
  }

  /** Builds an {@link AuthorizationService}. Not thread-safe. */
  public static final class Builder {
    private boolean noMatchAllow = true;
    private boolean disconnect;
    private boolean cacheEnabled = true;
    private int cacheMaxSize = 32;
    private Duration cacheTtl = Duration.ofMinutes(1);
    private int cacheMaxClients = 1_000_000;
    private LongSupplier nanoClock = System::nanoTime;
    private final List<AuthorizationSource> sources = new ArrayList<>();

    private Builder() {}

    /** EMQX's {@code no_match}: true = allow (the default), false = deny. */
    public Builder noMatch(boolean allow) {
      this.noMatchAllow = allow;
      return this;
    }

    /** EMQX's {@code deny_action}: true = disconnect, false = ignore (the default). */
    public Builder denyAction(boolean disconnect) {
      this.disconnect = disconnect;
      return this;
    }

    /**
     * EMQX's {@code cache}: on (default), {@code maxSize} decisions per client (default 32), each
     * kept {@code ttl} (default 1 minute).
     */
    public Builder cache(boolean enabled, int maxSize, Duration ttl) {
      if (maxSize < 1) {
        throw new IllegalArgumentException("cache.max_size must be at least 1, was " + maxSize);
      }
      if (ttl.isZero() || ttl.isNegative()) {
        throw new IllegalArgumentException("cache.ttl must be positive, was " + ttl);
      }
      this.cacheEnabled = enabled;
      this.cacheMaxSize = maxSize;
      this.cacheTtl = ttl;
      return this;
    }

    /** The most clients with cached decisions; beyond it the cache starts over. Default 1e6. */
    public Builder cacheMaxClients(int max) {
      this.cacheMaxClients = max;
      return this;
    }

    /** The clock of the cache's ttl, in nanoseconds; for tests. */
    public Builder nanoClock(LongSupplier clock) {
      this.nanoClock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Appends a source. */
    public Builder source(AuthorizationSource source) {
      sources.add(Objects.requireNonNull(source, "source"));
      return this;
    }

    /** Builds the service. */
    public AuthorizationService build() {
      return new AuthorizationService(this);
    }
  }
}
