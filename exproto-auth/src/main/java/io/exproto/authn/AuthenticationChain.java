package io.exproto.authn;

import io.exproto.auth.AuthResult;
import io.exproto.auth.Authenticator;
import io.exproto.auth.Credentials;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * EMQX's authentication chain as a gateway {@link Authenticator}: each provider in order answers
 * allow, deny or ignore; the first allow or deny decides; if all ignore, the client is denied; an
 * empty chain allows everyone (as a gateway without authentication does).
 *
 * <p>The chain changes at runtime: {@link #add}, {@link #replace}, {@link #remove} and
 * {@link #move} take effect for the next Authenticate; checks already running finish with the
 * providers they started with. A removed or replaced provider is closed. Thread-safe.
 */
public final class AuthenticationChain implements Authenticator, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AuthenticationChain.class);
  private static final CompletionStage<AuthResult> ALLOW =
      CompletableFuture.completedStage(AuthResult.allow());

  private volatile List<AuthenticationProvider> providers = List.of();

  /** An empty chain (allows everyone until a provider is added). */
  public AuthenticationChain() {}

  /** A chain of {@code providers}, in order. */
  public AuthenticationChain(List<? extends AuthenticationProvider> providers) {
    for (AuthenticationProvider p : providers) {
      add(p);
    }
  }

  /** The providers, in order. */
  public List<AuthenticationProvider> providers() {
    return providers;
  }

  /** The provider with {@code id}, if any. */
  public Optional<AuthenticationProvider> get(String id) {
    return providers.stream().filter(p -> p.id().equals(id)).findFirst();
  }

  /**
   * Appends {@code provider}.
   *
   * @throws IllegalArgumentException if a provider with its id is in the chain
   */
  public synchronized void add(AuthenticationProvider provider) {
    if (get(provider.id()).isPresent()) {
      throw new IllegalArgumentException("authenticator '" + provider.id()
          + "' is already in the chain; replace or remove it first");
    }
    List<AuthenticationProvider> next = new ArrayList<>(providers);
    next.add(provider);
    providers = List.copyOf(next);
  }

  /**
   * Replaces the provider with {@code id} by {@code provider} at the same position, and closes the
   * old one.
   *
   * @throws IllegalArgumentException if there is none with {@code id}, or the new provider's id is
   *     taken by another
   */
  public void replace(String id, AuthenticationProvider provider) {
    AuthenticationProvider old;
    synchronized (this) {
      List<AuthenticationProvider> next = new ArrayList<>(providers);
      int i = indexOf(next, id);
      if (!provider.id().equals(id) && get(provider.id()).isPresent()) {
        throw new IllegalArgumentException("authenticator '" + provider.id()
            + "' is already in the chain");
      }
      old = next.set(i, provider);
      providers = List.copyOf(next);
    }
    closeQuietly(old);
  }

  /** Removes and closes the provider with {@code id}; false if there was none. */
  public boolean remove(String id) {
    AuthenticationProvider old;
    synchronized (this) {
      List<AuthenticationProvider> next = new ArrayList<>(providers);
      int i = next.stream().map(AuthenticationProvider::id).toList().indexOf(id);
      if (i < 0) {
        return false;
      }
      old = next.remove(i);
      providers = List.copyOf(next);
    }
    closeQuietly(old);
    return true;
  }

  /**
   * Moves the provider with {@code id} to {@code position} (0 = first).
   *
   * @throws IllegalArgumentException if there is none with {@code id} or the position is out of
   *     range
   */
  public synchronized void move(String id, int position) {
    List<AuthenticationProvider> next = new ArrayList<>(providers);
    int i = indexOf(next, id);
    if (position < 0 || position >= next.size()) {
      throw new IllegalArgumentException("position must be between 0 and " + (next.size() - 1)
          + ", was " + position);
    }
    next.add(position, next.remove(i));
    providers = List.copyOf(next);
  }

  private static int indexOf(List<AuthenticationProvider> list, String id) {
    for (int i = 0; i < list.size(); i++) {
      if (list.get(i).id().equals(id)) {
        return i;
      }
    }
    throw new IllegalArgumentException("no authenticator '" + id + "' in the chain");
  }

  @Override
  public CompletionStage<AuthResult> authenticate(Credentials credentials) {
    List<AuthenticationProvider> list = providers;
    if (list.isEmpty()) {
      return ALLOW;
    }
    return next(list, 0, credentials);
  }

  private CompletionStage<AuthResult> next(List<AuthenticationProvider> list, int i,
      Credentials credentials) {
    if (i == list.size()) {
      return CompletableFuture.completedStage(AuthResult.deny("Authentication denied: no"
          + " authenticator accepted the credentials"));
    }
    AuthenticationProvider p = list.get(i);
    CompletionStage<AuthnOutcome> stage;
    try {
      stage = p.authenticate(credentials);
    } catch (RuntimeException e) {
      stage = CompletableFuture.failedStage(e);
    }
    return stage.handle((o, e) -> {
      if (e != null || o == null) {
        log.debug("authenticator {} failed for client {}; ignored: {}", p.id(),
            credentials.clientId(), e == null ? "no outcome" : e.toString());
        return null;
      }
      return o;
    }).thenCompose(o -> {
      if (o == null || o.kind() == AuthnOutcome.Kind.IGNORE) {
        return next(list, i + 1, credentials);
      }
      if (o.kind() == AuthnOutcome.Kind.DENY) {
        return CompletableFuture.completedStage(AuthResult.deny(o.reason()));
      }
      return CompletableFuture.completedStage(AuthResult.allow(o.superuser(), o.expireAt()));
    });
  }

  /** Closes every provider. */
  @Override
  public synchronized void close() {
    for (AuthenticationProvider p : providers) {
      closeQuietly(p);
    }
    providers = List.of();
  }

  private static void closeQuietly(AuthenticationProvider p) {
    try {
      p.close();
    } catch (Exception e) {
      log.warn("authenticator {} did not close cleanly: {}", p.id(), e.toString());
    }
  }
}
