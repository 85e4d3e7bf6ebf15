package io.exproto.gateway.internal;

import io.exproto.auth.Authorizer.Action;
import io.exproto.broker.BrokerMessage;
import io.exproto.broker.BrokerRefusedException;
import io.exproto.broker.Topics;
import io.exproto.events.GatewayEvent;
import io.exproto.handler.AdapterResult;
import io.exproto.handler.ResultCode;
import java.util.HashMap;
import java.util.concurrent.CompletionStage;

/**
 * The adapter's Publish, Subscribe and Unsubscribe for one authenticated connection: argument
 * checks, authorization, the client's mountpoint, and the broker session. Stateless: the client's
 * subscriptions live in the connection; every method runs on the connection's executor.
 */
final class PubSubOperations {
  private PubSubOperations() {}

  static CompletionStage<AdapterResult> publish(Connection c, String topic, int qos,
      byte[] payload) {
    CompletionStage<AdapterResult> denied = checkPubSub(c, topic, qos, false);
    if (denied != null) {
      return denied;
    }
    return AuthorizationGate.authorized(c, Action.PUBLISH, topic,
        () -> publishAuthorized(c, topic, qos, payload));
  }

  private static CompletionStage<AdapterResult> publishAuthorized(Connection c, String topic,
      int qos, byte[] payload) {
    Mountpoint mountpoint = c.mountpoint;
    String mounted = mountpoint.mountName(topic);
    if (!mountpoint.isEmpty()) {
      String why = Topics.validateName(mounted);
      if (why != null) {
        return GatewayAdapter.fail(ResultCode.PARAMS_TYPE_ERROR, "topic '" + mounted
            + "' (with mountpoint '" + mountpoint.prefix() + "') is invalid: " + why);
      }
    }
    GatewayImpl gw = c.gw;
    BrokerMessage m = new BrokerMessage(Ids.newMessageId(), c.clientId, mounted, qos,
        payload == null ? new byte[0] : payload, gw.scheduler.currentTimeMillis());
    return GatewayAdapter.then(c, published(c.session.publish(m)), (r, e) -> {
      if (e != null) {
        return GatewayAdapter.unknown(e);
      }
      if (r.code() == ResultCode.SUCCESS) {
        c.recvMsg++;
        c.metrics.published();
        if (gw.events.wants(GatewayEvent.Type.PUBLISHED)) {
          gw.events.emit(c.event(GatewayEvent.Type.PUBLISHED, topic, qos, null));
        }
      }
      return r;
    });
  }

  static CompletionStage<AdapterResult> subscribe(Connection c, String filter, int qos) {
    CompletionStage<AdapterResult> denied = checkPubSub(c, filter, qos, true);
    if (denied != null) {
      return denied;
    }
    return AuthorizationGate.authorized(c, Action.SUBSCRIBE, filter,
        () -> subscribeMounted(c, filter, qos));
  }

  /** Subscribes without authorization (the operator's management subscribe, too). */
  static CompletionStage<AdapterResult> subscribeMounted(Connection c, String filter, int qos) {
    Mountpoint mountpoint = c.mountpoint;
    String mounted = mountpoint.mountFilter(filter);
    if (!mountpoint.isEmpty()) {
      String why = Topics.validateFilter(mounted);
      if (why != null) {
        return GatewayAdapter.fail(ResultCode.PARAMS_TYPE_ERROR, "topic filter '" + mounted
            + "' (with mountpoint '" + mountpoint.prefix() + "') is invalid: " + why);
      }
    }
    if (c.subscriptions == null) {
      c.subscriptions = new HashMap<>(4);
    }
    c.subscriptions.put(mounted, qos);
    return GatewayAdapter.then(c, c.session.subscribe(mounted, qos), (v, e) -> {
      if (e != null) {
        if (c.subscriptions != null) {
          c.subscriptions.remove(mounted);
        }
        Throwable cause = Stages.unwrap(e);
        return AdapterResult.of(cause instanceof BrokerRefusedException
            ? ResultCode.PERMISSION_DENY : ResultCode.UNKNOWN,
            "broker refused the subscription: " + cause.getMessage());
      }
      if (c.gw.events.wants(GatewayEvent.Type.SUBSCRIBED)) {
        c.gw.events.emit(c.event(GatewayEvent.Type.SUBSCRIBED, filter, qos, null));
      }
      return AdapterResult.SUCCESS;
    });
  }

  static CompletionStage<AdapterResult> unsubscribe(Connection c, String filter) {
    if (!c.authenticated) {
      return notAuthenticated();
    }
    String why = filter == null ? "topic filter must not be empty" : Topics.validateFilter(filter);
    if (why != null) {
      return GatewayAdapter.fail(ResultCode.PARAMS_TYPE_ERROR, "invalid topic filter '" + filter
          + "': " + why);
    }
    String mounted = c.mountpoint.mountFilter(filter);
    if (c.subscriptions == null || c.subscriptions.remove(mounted) == null) {
      return GatewayAdapter.SUCCESS;
    }
    return GatewayAdapter.then(c, c.session.unsubscribe(mounted), (v, e) -> {
      if (e != null) {
        return AdapterResult.of(ResultCode.UNKNOWN, "broker failed to unsubscribe: "
            + Stages.unwrap(e).getMessage());
      }
      if (c.gw.events.wants(GatewayEvent.Type.UNSUBSCRIBED)) {
        c.gw.events.emit(c.event(GatewayEvent.Type.UNSUBSCRIBED, filter, -1, null));
      }
      return AdapterResult.SUCCESS;
    });
  }

  /**
   * The adapter's answer to a publish: SUCCESS, PERMISSION_DENY when the broker refused it (a
   * bridge's PUBACK with a not-authorised reason, say), else UNKNOWN with the broker's message.
   */
  static CompletionStage<AdapterResult> published(CompletionStage<Void> published) {
    return published.handle((v, e) -> {
      if (e == null) {
        return AdapterResult.SUCCESS;
      }
      Throwable cause = Stages.unwrap(e);
      if (cause instanceof BrokerRefusedException) {
        return AdapterResult.of(ResultCode.PERMISSION_DENY, cause.getMessage());
      }
      return AdapterResult.of(ResultCode.UNKNOWN, "the broker failed to publish: "
          + cause.getMessage());
    });
  }

  private static CompletionStage<AdapterResult> checkPubSub(Connection c, String topic, int qos,
      boolean filter) {
    if (!c.authenticated) {
      return notAuthenticated();
    }
    CompletionStage<AdapterResult> bad = GatewayAdapter.checkQos(qos);
    if (bad != null) {
      return bad;
    }
    return GatewayAdapter.checkTopic(topic, filter);
  }

  private static CompletionStage<AdapterResult> notAuthenticated() {
    return GatewayAdapter.fail(ResultCode.PERMISSION_DENY,
        "the connection is not authenticated; call Authenticate first");
  }
}
