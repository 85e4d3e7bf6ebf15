package io.exproto.gateway.internal;

import io.exproto.broker.Topics;
import io.exproto.handler.ResultCode;
import io.exproto.management.ClientDetails;
import io.exproto.management.ClientNotFoundException;
import io.exproto.management.ClientQuery;
import io.exproto.management.Page;
import io.exproto.management.SubscriptionView;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The gateway's management operations on authenticated clients: paged listing, details, and the
 * operator's subscribe and unsubscribe. The gateway finds the clients in its registry from any
 * thread; what a client holds is read or changed on its connection's executor, so nothing here
 * blocks. One per gateway; thread-safe.
 */
final class ClientManagement {
  /** The largest page {@link #listClients} serves, as EMQX's API. */
  static final int MAX_PAGE_LIMIT = 10_000;

  /** Orders clients by the time they authenticated, then by client id (management listings). */
  private static final Comparator<Connection> BY_CONNECTED_AT =
      Comparator.<Connection>comparingLong(c -> c.connectedAtMillis)
          .thenComparing(c -> c.clientId);

  private final ClientRegistry registry;

  ClientManagement(ClientRegistry registry) {
    this.registry = registry;
  }

  /** See {@link io.exproto.gateway.Gateway#listClients}. */
  CompletionStage<Page<ClientDetails>> listClients(ClientQuery query, int page, int limit) {
    if (page < 1) {
      throw new IllegalArgumentException("page must be at least 1, was " + page);
    }
    if (limit < 1 || limit > MAX_PAGE_LIMIT) {
      throw new IllegalArgumentException("limit must be from 1 to " + MAX_PAGE_LIMIT + ", was "
          + limit);
    }
    ClientQuery q = query == null ? ClientQuery.ALL : query;
    List<Connection> matched = new ArrayList<>();
    if (q.clientId() != null) {
      Connection c = registry.client(q.clientId());
      if (c != null && c.matches(q)) {
        matched.add(c);
      }
    } else {
      for (Connection c : registry.clients()) {
        if (c.matches(q)) {
          matched.add(c);
        }
      }
    }
    matched.sort(BY_CONNECTED_AT);
    long from = (long) (page - 1) * limit;
    int count = matched.size();
    List<Connection> slice = from >= count ? List.of()
        : matched.subList((int) from, (int) Math.min(count, from + limit));
    @SuppressWarnings("unchecked")
    CompletableFuture<ClientDetails>[] details = new CompletableFuture[slice.size()];
    for (int i = 0; i < details.length; i++) {
      details[i] = details(slice.get(i));
    }
    boolean hasNext = from + limit < count;
    return CompletableFuture.allOf(details).thenApply(v -> {
      List<ClientDetails> data = new ArrayList<>(details.length);
      for (CompletableFuture<ClientDetails> d : details) {
        ClientDetails cd = d.join();
        if (cd != null) {
          data.add(cd);
        }
      }
      return new Page<>(data, page, limit, count, hasNext);
    });
  }

  /** See {@link io.exproto.gateway.Gateway#client}. */
  CompletionStage<Optional<ClientDetails>> client(String clientId) {
    Connection c = clientId == null ? null : registry.client(clientId);
    if (c == null) {
      return CompletableFuture.completedStage(Optional.empty());
    }
    return details(c).thenApply(Optional::ofNullable);
  }

  /** See {@link io.exproto.gateway.Gateway#subscriptions}. */
  CompletionStage<List<SubscriptionView>> subscriptions(String clientId) {
    return onClient(clientId, c -> {
      List<SubscriptionView> out = new ArrayList<>();
      if (c.subscriptions != null) {
        for (Map.Entry<String, Integer> e : c.subscriptions.entrySet()) {
          out.add(new SubscriptionView(c.mountpoint.unmountFilter(e.getKey()), e.getValue()));
        }
      }
      out.sort(Comparator.comparing(SubscriptionView::topic));
      return CompletableFuture.completedStage(out);
    });
  }

  /** See {@link io.exproto.gateway.Gateway#subscribe}. */
  CompletionStage<SubscriptionView> subscribe(String clientId, String topicFilter, int qos) {
    if (qos < 0 || qos > 2) {
      return CompletableFuture.failedStage(new IllegalArgumentException(
          "qos must be 0, 1 or 2, was " + qos));
    }
    String why = topicFilter == null || topicFilter.isEmpty() ? "topic filter must not be empty"
        : Topics.validateFilter(topicFilter);
    if (why != null) {
      return CompletableFuture.failedStage(new IllegalArgumentException("invalid topic filter '"
          + topicFilter + "': " + why));
    }
    return onClient(clientId, c -> PubSubOperations.subscribeMounted(c, topicFilter, qos)
        .thenApply(r -> {
          if (r.code() == ResultCode.SUCCESS) {
            return new SubscriptionView(topicFilter, qos);
          }
          if (r.code() == ResultCode.PARAMS_TYPE_ERROR) {
            throw new IllegalArgumentException(r.message());
          }
          if (r.code() == ResultCode.CONN_PROCESS_NOT_ALIVE) {
            throw new ClientNotFoundException(c.clientId);
          }
          throw new IllegalStateException(r.message());
        }));
  }

  /** See {@link io.exproto.gateway.Gateway#unsubscribe}. */
  CompletionStage<Boolean> unsubscribe(String clientId, String topicFilter) {
    return onClient(clientId, c -> {
      String mounted = c.mountpoint.mountFilter(topicFilter);
      if (c.subscriptions == null || !c.subscriptions.containsKey(mounted)) {
        return CompletableFuture.completedStage(false);
      }
      return PubSubOperations.unsubscribe(c, topicFilter).thenApply(r -> {
        if (r.code() != ResultCode.SUCCESS) {
          throw new IllegalStateException(r.message());
        }
        return true;
      });
    });
  }

  /** The client's details, read on its executor; null if it is no longer open. */
  private static CompletableFuture<ClientDetails> details(Connection c) {
    CompletableFuture<ClientDetails> out = new CompletableFuture<>();
    try {
      c.exec.execute(() -> out.complete(c.details()));
    } catch (RuntimeException rejected) {
      out.complete(null);
    }
    return out;
  }

  /** Runs {@code op} on the client's executor while it is open; else fails: not found. */
  private <T> CompletionStage<T> onClient(String clientId,
      Function<Connection, CompletionStage<T>> op) {
    Connection c = clientId == null ? null : registry.client(clientId);
    if (c == null) {
      return CompletableFuture.failedStage(new ClientNotFoundException(clientId));
    }
    CompletableFuture<T> out = new CompletableFuture<>();
    Runnable r = () -> {
      if (!c.isOpenClient()) {
        out.completeExceptionally(new ClientNotFoundException(c.clientId));
        return;
      }
      try {
        op.apply(c).whenComplete((v, e) -> {
          if (e != null) {
            out.completeExceptionally(e);
          } else {
            out.complete(v);
          }
        });
      } catch (RuntimeException e) {
        out.completeExceptionally(e);
      }
    };
    try {
      c.exec.execute(r);
    } catch (RuntimeException rejected) {
      out.completeExceptionally(new ClientNotFoundException(c.clientId));
    }
    return out;
  }
}
