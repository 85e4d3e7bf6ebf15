package io.exproto.broker.mqtt.internal;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3SubAckException;
import com.hivemq.client.mqtt.mqtt3.message.auth.Mqtt3SimpleAuth;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.suback.Mqtt3SubAckReturnCode;
import io.exproto.broker.BrokerMessage;
import io.reactivex.disposables.Disposable;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * {@link MqttLink} over MQTT 3.1.1. The protocol has no user properties, so deliveries carry an
 * empty publisher ({@code from}); it has no reason codes on disconnect, so a session taken over
 * elsewhere looks like an outage.
 */
final class Mqtt3Link extends MqttLink {
  private final Mqtt3AsyncClient client;
  private final Disposable flow;

  Mqtt3Link(BridgeConfig cfg, ClientSettings transport, String clientId,
      String username, String password, Events events, boolean endPastWindow) {
    super(cfg, clientId, events, endPastWindow);
    var builder = MqttClient.builder()
        .useMqttVersion3()
        .identifier(clientId)
        .transportConfig(transport.transport())
        .executorConfig(transport.executors());
    // On the client, not on one CONNECT: reconnects present the credentials again. MQTT 3.1.1
    // allows a password only with a user name.
    if (!username.isEmpty()) {
      var auth = Mqtt3SimpleAuth.builder().username(username);
      builder.simpleAuth(password.isEmpty() ? auth.build()
          : auth.password(password.getBytes(StandardCharsets.UTF_8)).build());
    }
    this.client = builder
        .addConnectedListener(ctx -> connected())
        .addDisconnectedListener(ctx -> disconnected(ctx, -1))
        .buildAsync();
    // Before connecting: a resumed session may deliver at once. Acknowledged by the owner. A
    // disposable flow, because a flow left subscribed holds the client's event loop (and its
    // thread) after a refused connect.
    this.flow = client.toRx().publishes(MqttGlobalPublishFilter.REMAINING, true)
        .subscribe(p -> events.onMessage(incoming(p)), err -> { });
  }

  private static Incoming incoming(Mqtt3Publish p) {
    int qos = p.getQos().getCode();
    return new Incoming(p.getTopic().toString(), qos, p.getPayloadAsBytes(), "",
        qos == 0 ? null : Acks.once(p::acknowledge));
  }

  @Override
  protected CompletionStage<Void> doConnect() {
    var c = client.connectWith()
        .cleanSession(cfg.sessionExpiry().isZero())
        .keepAlive((int) Math.min(65535, cfg.keepalive().toSeconds()));
    return c.send().thenApply(ack -> null);
  }

  @Override
  protected CompletionStage<Void> doPublish(BrokerMessage m) {
    return client.publishWith()
        .topic(m.topic())
        .qos(MqttQos.fromCode(m.qos()))
        .payload(m.payload())
        .send()
        .thenApply(p -> null);
  }

  @Override
  protected CompletionStage<Void> doSubscribe(String filter, int qos, Consumer<Incoming> callback) {
    var sent = callback == null
        ? client.subscribeWith().topicFilter(filter).qos(MqttQos.fromCode(qos)).send()
        : client.subscribeWith().topicFilter(filter).qos(MqttQos.fromCode(qos))
            .callback(p -> callback.accept(incoming(p)))
            .executor(Runnable::run)
            .manualAcknowledgement(true)
            .send();
    return sent.thenCompose(ack -> ack.getReturnCodes().contains(Mqtt3SubAckReturnCode.FAILURE)
        ? CompletableFuture.failedFuture(new Mqtt3SubAckException(ack, "SUBACK FAILURE", null))
        : CompletableFuture.completedFuture(null));
  }

  @Override
  protected CompletionStage<Void> doUnsubscribe(String filter) {
    return client.unsubscribeWith().topicFilter(filter).send();
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
