package io.exproto.broker.mqtt.internal;

import com.hivemq.client.mqtt.MqttClientTransportConfig;
import io.exproto.broker.BrokerMessage;
import io.exproto.broker.BrokerSession;
import io.exproto.broker.SessionRequest;
import io.exproto.broker.Subscriber;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Session mode: one device's own MQTT session at the external broker, with the device's client id
 * (after the prefix), user name and password. Its deliveries go to the device's connection and are
 * acknowledged to the broker when the connection says the handler took them. Thread-safe.
 */
public final class DeviceSession implements BrokerSession, MqttLink.Events {
  private final Subscriber subscriber;
  private final Set<DeviceSession> live;
  private final MqttLink link;
  private volatile boolean closed;

  private DeviceSession(BridgeConfig cfg, ClientSettings transport,
      SessionRequest request, Subscriber subscriber, Set<DeviceSession> live, MqttLink witness) {
    this.subscriber = subscriber;
    this.live = live;
    this.link = Links.create(cfg, transport, cfg.clientIdPrefix() + request.clientId(),
        request.username(), request.password(), this, true);
    link.witness(witness);
  }

  /**
   * Opens the device's session: completes when the broker's CONNACK accepted it, fails with the
   * broker's refusal or with the reason it could not be reached.
   *
   * @param live the bridge's open sessions; the session is in it from success until closed
   * @param witness the bridge's own connection, which tells a broker that dropped this session
   *     from one that went down; null if it has none
   */
  public static CompletionStage<BrokerSession> open(BridgeConfig cfg,
      ClientSettings transport, SessionRequest request, Subscriber subscriber,
      Set<DeviceSession> live, MqttLink witness) {
    DeviceSession s = new DeviceSession(cfg, transport, request, subscriber, live, witness);
    return s.link.connect().thenApply(v -> {
      live.add(s);
      if (s.closed) { // ended by the broker before we got here
        live.remove(s);
      }
      return s;
    });
  }

  @Override
  public CompletionStage<Void> publish(BrokerMessage message) {
    return link.publish(message);
  }

  @Override
  public CompletionStage<Void> subscribe(String filter, int qos) {
    return link.subscribe(filter, qos, null);
  }

  @Override
  public CompletionStage<Void> unsubscribe(String filter) {
    return link.unsubscribe(filter);
  }

  /** Completes when what this session waits for from the broker now has completed. */
  public CompletionStage<Void> flush() {
    return link.flush();
  }

  @Override
  public void close() {
    closed = true;
    live.remove(this);
    link.close();
  }

  /** True while the MQTT connection is up (for tests and management). */
  public boolean isUp() {
    return link.isUp();
  }

  @Override
  public void onMessage(MqttLink.Incoming m) {
    if (closed) {
      return; // not acknowledged: the broker redelivers to the client's next session
    }
    BrokerMessage message = new BrokerMessage(MessageIds.next(), m.from(), m.topic(), m.qos(),
        m.payload(), System.currentTimeMillis());
    if (m.ack() == null) {
      subscriber.deliver(message, m.qos());
    } else {
      subscriber.deliver(message, m.qos(), m.ack());
    }
  }

  @Override
  public void onEnded(String reason) {
    if (closed) {
      return;
    }
    closed = true;
    live.remove(this);
    subscriber.sessionEnded(reason);
  }

}
