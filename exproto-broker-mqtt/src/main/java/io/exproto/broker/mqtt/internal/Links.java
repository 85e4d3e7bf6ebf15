package io.exproto.broker.mqtt.internal;

import com.hivemq.client.mqtt.MqttClientTransportConfig;
import io.exproto.broker.mqtt.MqttProtocolVersion;

/** Makes the {@link MqttLink} of the configured protocol version. */
public final class Links {
  private Links() {}

  /**
   * A new, unconnected link.
   *
   * @param endPastWindow true for a device's session (it ends past the reconnect window), false
   *     for a pool connection (it reconnects for as long as the bridge runs)
   */
  public static MqttLink create(BridgeConfig cfg, ClientSettings transport,
      String clientId, String username, String password, MqttLink.Events events,
      boolean endPastWindow) {
    return cfg.version() == MqttProtocolVersion.V5
        ? new Mqtt5Link(cfg, transport, clientId, username, password, events, endPastWindow)
        : new Mqtt3Link(cfg, transport, clientId, username, password, events, endPastWindow);
  }
}
