package io.exproto.gateway.internal;

import io.exproto.auth.AuthResult;
import io.exproto.auth.ClientIdentity;
import io.exproto.auth.Credentials;
import io.exproto.broker.BrokerRefusedException;
import io.exproto.broker.BrokerSession;
import io.exproto.broker.SessionRequest;
import io.exproto.events.GatewayEvent;
import io.exproto.handler.AdapterResult;
import io.exproto.handler.ClientInfo;
import io.exproto.handler.ResultCode;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The adapter's Authenticate for one connection: the ban check, the authenticator's decision
 * (bounded by the auth timeout), the client's broker session, the takeover of an older connection
 * with the same client id, and the expiry timer. Stateless: the client's identity is written into
 * the connection; every method runs on the connection's executor.
 */
final class ClientAuthentication {
  // The connection's logger: what an operator filters on for a connection's story.
  private static final Logger log = LoggerFactory.getLogger(Connection.class);
  private static final String BANNED_CLIENT = "client id is banned";

  private ClientAuthentication() {}

  static CompletionStage<AdapterResult> authenticate(Connection c, ClientInfo info,
      String password) {
    if (info == null) {
      return GatewayAdapter.fail(ResultCode.REQUIRED_PARAMS_MISSED,
          "clientinfo is required to authenticate");
    }
    if (c.authenticated || c.authenticating) {
      return GatewayAdapter.fail(ResultCode.PERMISSION_DENY, "Duplicated authenticate command");
    }
    GatewayImpl gw = c.gw;
    String cid = info.clientId().isEmpty() ? Ids.newClientId() : info.clientId();
    if (gw.isBannedClient(cid)) {
      return GatewayAdapter.fail(ResultCode.PERMISSION_DENY, BANNED_CLIENT);
    }
    c.authenticating = true;
    String protoName = info.protoName().isEmpty() ? "exproto" : info.protoName();
    Credentials creds = new Credentials(cid, info.username(), password, c.link.remoteAddress(),
        c.link.peerCertificate(), c.link.listenerName(), protoName);
    CompletionStage<AuthResult> decision;
    if (!c.listener.listener.authenticationEnabled()) {
      decision = CompletableFuture.completedStage(AuthResult.allow()); // enable_authn = false
    } else {
      try {
        decision = AuthorizationGate.withAuthTimeout(gw,
            gw.settings.authenticator().authenticate(creds));
      } catch (RuntimeException e) {
        decision = CompletableFuture.failedStage(e);
      }
    }
    return observeAuthentication(c, cid, info, GatewayAdapter.thenCompose(c, decision,
        (result, err) -> decided(c, cid, info, password, result, err)));
  }

  /** The authenticator has decided (or failed, or timed out). */
  private static CompletionStage<AdapterResult> decided(Connection c, String cid,
      ClientInfo info, String password, AuthResult result, Throwable err) {
    GatewayImpl gw = c.gw;
    c.authenticating = false;
    if (!c.isOpen()) {
      return CompletableFuture.completedStage(GatewayAdapter.notAlive(c.conn));
    }
    if (err != null || result == null) {
      Throwable cause = Stages.unwrap(err);
      if (cause instanceof TimeoutException) {
        log.warn("conn {}: no authentication decision for client {} within {}; denied", c.conn,
            cid, gw.settings.authTimeout());
      } else {
        log.warn("conn {}: authenticator failed for client {}", c.conn, cid, cause);
      }
      return GatewayAdapter.fail(ResultCode.PERMISSION_DENY, "Authentication failed: "
          + (cause == null ? "authenticator returned no result" : cause.getMessage()));
    }
    if (!result.allowed()) {
      return GatewayAdapter.fail(ResultCode.PERMISSION_DENY, result.reason());
    }
    if (gw.isBannedClient(cid)) {
      return GatewayAdapter.fail(ResultCode.PERMISSION_DENY, BANNED_CLIENT);
    }
    return openSession(c, cid, info, password, result);
  }

  /**
   * The second half of Authenticate: opens the client's broker session (a bridge presents the
   * credentials to the external broker, whose refusal denies the client), then makes the client
   * visible.
   */
  private static CompletionStage<AdapterResult> openSession(Connection c, String cid,
      ClientInfo info, String password, AuthResult result) {
    GatewayImpl gw = c.gw;
    c.authenticating = true;
    CompletionStage<BrokerSession> opening;
    try {
      opening = gw.broker.openSession(new SessionRequest(cid, info.username(),
          password == null ? "" : password), c);
    } catch (RuntimeException e) {
      opening = CompletableFuture.failedStage(e);
    }
    return GatewayAdapter.then(c, opening, (opened, err) -> {
      c.authenticating = false;
      if (!c.isOpen()) {
        if (opened != null) {
          opened.close();
        }
        return GatewayAdapter.notAlive(c.conn);
      }
      if (err != null || opened == null) {
        Throwable cause = Stages.unwrap(err);
        if (cause instanceof BrokerRefusedException) {
          return AdapterResult.of(ResultCode.PERMISSION_DENY, cause.getMessage());
        }
        log.warn("conn {}: the broker could not open a session for client {}: {}", c.conn, cid,
            cause == null ? "no session" : cause.toString());
        return AdapterResult.of(ResultCode.UNKNOWN, "the broker could not open a session: "
            + (cause == null ? "no session" : cause.getMessage()));
      }
      // A connection this gateway holds for the same client id loses its broker session at once,
      // from here, so that nothing it does later (a reconnect, its close on its own executor) can
      // act on the client id at the broker; registerClient then discards the connection itself.
      // Only now: a refused attempt must not cost the live device its session.
      Connection previous = gw.registry.client(cid);
      if (previous != null && previous != c) {
        previous.releaseSessionForTakeover();
      }
      c.session = opened;
      c.authenticated = true;
      c.username = info.username();
      c.connectedAtMillis = gw.scheduler.currentTimeMillis();
      c.mountpoint = Mountpoint.resolve(gw.settings.mountpoint(), cid, c.username);
      c.identity = new ClientIdentity(cid, c.username, c.link.remoteAddress(),
          c.link.listenerName(), c.link.peerCertificate(), result.superuser());
      c.clientId = cid;
      gw.registry.registerClient(c);
      if (gw.isBannedClient(cid)) {
        // Banned while the authenticator was deciding, after the sweep of live clients.
        c.close("banned", false);
        return AdapterResult.of(ResultCode.PERMISSION_DENY, BANNED_CLIENT);
      }
      if (result.expiresAt() != null) {
        ConnectionTimers.armExpiry(c, result.expiresAt());
      }
      return AdapterResult.SUCCESS;
    });
  }

  /** Reports the authenticator's decision (metrics, events). */
  private static CompletionStage<AdapterResult> observeAuthentication(Connection c, String cid,
      ClientInfo info, CompletionStage<AdapterResult> result) {
    GatewayImpl gw = c.gw;
    return result.thenApply(r -> {
      if (r.code() == ResultCode.CONN_PROCESS_NOT_ALIVE) {
        return r;
      }
      boolean ok = r.code() == ResultCode.SUCCESS;
      c.metrics.authentication(ok);
      if (ok) {
        c.protoName = info.protoName().isEmpty() ? "exproto" : info.protoName();
        c.protoVer = info.protoVer();
      }
      GatewayEvent.Type type = ok ? GatewayEvent.Type.AUTHENTICATED
          : GatewayEvent.Type.AUTHENTICATION_FAILED;
      if (gw.events.wants(type)) {
        gw.events.emit(new GatewayEvent(type, gw.scheduler.currentTimeMillis(), c.conn, cid,
            info.username(), c.link.listenerName(), c.link.remoteAddress(), null, -1,
            ok ? null : r.message()));
      }
      return r;
    });
  }
}
