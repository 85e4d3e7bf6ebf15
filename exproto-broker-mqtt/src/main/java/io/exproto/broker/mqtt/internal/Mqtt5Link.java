package io.exproto.broker.mqtt.internal;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5SimpleAuth;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import io.exproto.broker.BrokerMessage;
import io.reactivex.disposables.Disposable;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * {@link MqttLink} over MQTT 5. The publisher's client id travels as the user property
 * {@code exproto-from}, so that a device on another gateway node sees who published.
 */
final class Mqtt5Link extends MqttLink {
  static final String FROM_PROPERTY = "exproto-from";
  private static final Runnable NO_ACK = null;

  private final Mqtt5AsyncClient client;
  private final Disposable flow;

  Mqtt5Link(BridgeConfig cfg, ClientSettings transport, String clientId,
      String username, String password, Events events, boolean endPastWindow) {
    super(cfg, clientId, events, endPastWindow);
    var builder = MqttClient.builder()
        .useMqttVersion5()
        .identifier(clientId)
        .transportConfig(transport.transport())
        .executorConfig(transport.executors());
    // On the client, not on one CONNECT: reconnects present the credentials again.
    byte[] secret = password.getBytes(StandardCharsets.UTF_8);
    if (!username.isEmpty() && !password.isEmpty()) {
      builder.simpleAuth(Mqtt5SimpleAuth.builder().username(username).password(secret).build());
    } else if (!username.isEmpty()) {
      builder.simpleAuth(Mqtt5SimpleAuth.builder().username(username).build());
    } else if (!password.isEmpty()) {
      builder.simpleAuth(Mqtt5SimpleAuth.builder().password(secret).build());
    }
    this.client = builder
        .addConnectedListener(ctx -> connected())
        .addDisconnectedListener(ctx -> disconnected(ctx,
            ctx.getCause() instanceof Mqtt5DisconnectException d
                ? d.getMqttMessage().getReasonCode().getCode() : -1))
        .buildAsync();
    // Before connecting: a resumed session may deliver at once. Acknowledged by the owner. A
    // disposable flow, because a flow left subscribed holds the client's event loop (and its
    // thread) after a refused connect.
    this.flow = client.toRx().publishes(MqttGlobalPublishFilter.REMAINING, true)
        .subscribe(p -> events.onMessage(incoming(p)), err -> { });
  }

  private static Incoming incoming(Mqtt5Publish p) {
    int qos = p.getQos().getCode();
    String from = "";
    for (var prop : p.getUserProperties().asList()) {
      if (prop.getName().toString().equals(FROM_PROPERTY)) {
        from = prop.getValue().toString();
        break;
      }
    }
    return new Incoming(p.getTopic().toString(), qos, p.getPayloadAsBytes(), from,
        qos == 0 ? NO_ACK : Acks.once(p::acknowledge));
  }

  @Override
  protected CompletionStage<Void> doConnect() {
    long expiry = cfg.sessionExpiry().toSeconds();
    var c = client.connectWith()
        .cleanStart(expiry == 0)
        .sessionExpiryInterval(expiry)
        .keepAlive((int) Math.min(65535, cfg.keepalive().toSeconds()));
    return c.send().thenApply(ack -> null);
  }

  @Override
  protected CompletionStage<Void> doPublish(BrokerMessage m) {
    return client.publishWith()
        .topic(m.topic())
        .qos(MqttQos.fromCode(m.qos()))
        .payload(m.payload())
        .userProperties().add(FROM_PROPERTY, m.from()).applyUserProperties()
        .send()
        .thenCompose(Mqtt5Link::checked);
  }

  private static CompletionStage<Void> checked(Mqtt5PublishResult r) {
    return r.getError().isPresent() ? CompletableFuture.failedFuture(r.getError().get())
        : CompletableFuture.completedFuture(null);
  }

  @Override
  protected CompletionStage<Void> doSubscribe(String filter, int qos, Consumer<Incoming> callback) {
    if (callback == null) {
      return client.subscribeWith().topicFilter(filter).qos(MqttQos.fromCode(qos)).send()
          .thenApply(ack -> null);
    }
    return client.subscribeWith().topicFilter(filter).qos(MqttQos.fromCode(qos))
        .callback(p -> callback.accept(incoming(p)))
        .executor(Runnable::run)
        .manualAcknowledgement(true)
        .send()
        .thenApply(ack -> null);
  }

  @Override
  protected CompletionStage<Void> doUnsubscribe(String filter) {
    return client.unsubscribeWith().topicFilter(filter).send().thenApply(ack -> null);
  }

  @Override
  protected void releaseFlows() {
    flow.dispose();
  }

  @Override
  protected CompletionStage<Void> doDisconnect() {
    return client.disconnect();
  }
}
