package io.exproto.gateway.internal;

import io.exproto.auth.Authorizer.Action;
import io.exproto.auth.Authorizer.Decision;
import io.exproto.gateway.Scheduler.Cancellable;
import io.exproto.handler.AdapterResult;
import io.exproto.handler.ResultCode;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the authorizer before a connection's Publish or Subscribe runs, keeping the connection's
 * calls in their order while decisions are pending, and bounds every authentication or
 * authorization decision by the auth timeout. Stateless: what is pending lives in the
 * connection ({@link Connection#authzTail}); every method runs on the connection's executor.
 */
final class AuthorizationGate {
  // The connection's logger: what an operator filters on for a connection's story.
  private static final Logger log = LoggerFactory.getLogger(Connection.class);

  private AuthorizationGate() {}

  /**
   * Runs {@code op} on the executor once the authorizer allowed {@code action} on {@code topic}
   * (at once for superusers and decisions already made). A denial answers PERMISSION_DENY; a
   * DISCONNECT decision also closes the connection with {@code {shutdown,not_authorized}}; a failed
   * or late decision counts as a denial and is logged.
   */
  static CompletionStage<AdapterResult> authorized(Connection c, Action action, String topic,
      Supplier<CompletionStage<AdapterResult>> op) {
    if (c.identity.superuser()) {
      return op.get();
    }
    CompletableFuture<Decision> previous = c.authzTail;
    if (previous == null || previous.isDone()) {
      CompletionStage<Decision> stage = askAuthorizer(c, action, topic);
      CompletableFuture<Decision> f = Stages.doneOrNull(stage);
      if (f != null && !f.isCompletedExceptionally()) {
        return onDecision(c, f.join(), null, action, topic, op); // the common, cached case
      }
      CompletableFuture<Decision> timed = withAuthTimeout(c.gw, stage);
      c.authzTail = timed;
      return GatewayAdapter.thenCompose(c, timed, (d, e) -> {
        if (c.authzTail == timed) {
          c.authzTail = null;
        }
        return onDecision(c, d, e, action, topic, op);
      });
    }
    // Wait for the pending decision so that this call cannot overtake it.
    CompletableFuture<Decision> timed = new CompletableFuture<>();
    previous.whenComplete((ignored, ignoredErr) -> {
      try {
        c.exec.execute(() -> withAuthTimeout(c.gw, askAuthorizer(c, action, topic))
            .whenComplete((d, e) -> {
              if (e != null) {
                timed.completeExceptionally(e);
              } else {
                timed.complete(d);
              }
            }));
      } catch (RuntimeException rejected) {
        timed.completeExceptionally(rejected);
      }
    });
    c.authzTail = timed;
    return GatewayAdapter.thenCompose(c, timed, (d, e) -> {
      if (c.authzTail == timed) {
        c.authzTail = null;
      }
      return onDecision(c, d, e, action, topic, op);
    });
  }

  private static CompletionStage<Decision> askAuthorizer(Connection c, Action action,
      String topic) {
    try {
      CompletionStage<Decision> d = c.gw.settings.authorizer().authorize(c.identity, action,
          topic);
      return d == null ? CompletableFuture.failedStage(
          new NullPointerException("the authorizer returned no stage")) : d;
    } catch (RuntimeException e) {
      return CompletableFuture.failedStage(e);
    }
  }

  private static CompletionStage<AdapterResult> onDecision(Connection c, Decision d,
      Throwable err, Action action, String topic, Supplier<CompletionStage<AdapterResult>> op) {
    if (!c.isOpen()) {
      return CompletableFuture.completedStage(GatewayAdapter.notAlive(c.conn));
    }
    if (err != null || d == null) {
      Throwable cause = Stages.unwrap(err);
      if (cause instanceof TimeoutException) {
        log.warn("conn {}: no authorization decision for client {} ({} '{}') within {}; denied",
            c.conn, c.clientId, action, topic, c.gw.settings.authTimeout());
      } else {
        log.warn("conn {}: authorizer failed for client {} ({} '{}'); denied: {}", c.conn,
            c.clientId, action, topic, cause == null ? "no decision" : cause.toString());
      }
      return GatewayAdapter.fail(ResultCode.PERMISSION_DENY, "Authorization deny");
    }
    switch (d) {
      case ALLOW:
        return op.get();
      case DISCONNECT:
        log.info("conn {}: client {} not authorized to {} '{}'; disconnecting", c.conn,
            c.clientId, action, topic);
        c.close("not_authorized", false);
        return GatewayAdapter.fail(ResultCode.PERMISSION_DENY, "Authorization deny");
      default:
        return GatewayAdapter.fail(ResultCode.PERMISSION_DENY, "Authorization deny");
    }
  }

  /** {@code stage}, failed with a TimeoutException unless complete within the auth timeout. */
  static <T> CompletableFuture<T> withAuthTimeout(GatewayImpl gw, CompletionStage<T> stage) {
    CompletableFuture<T> done = Stages.doneOrNull(stage);
    if (done != null) {
      return done;
    }
    CompletableFuture<T> out = new CompletableFuture<>();
    Duration limit = gw.settings.authTimeout();
    Cancellable timer = gw.scheduler.schedule(() -> out.completeExceptionally(
        new TimeoutException("no decision within " + limit)), limit.toNanos(),
        TimeUnit.NANOSECONDS);
    stage.whenComplete((v, e) -> {
      timer.cancel();
      if (e != null) {
        out.completeExceptionally(e);
      } else {
        out.complete(v);
      }
    });
    return out;
  }
}
