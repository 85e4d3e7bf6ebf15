package io.exproto.broker.mqtt.internal;

import io.exproto.broker.mqtt.MqttBridgeMode;
import io.exproto.broker.mqtt.MqttProtocolVersion;
import io.exproto.tls.TlsSettings;
import java.time.Duration;

/**
 * The validated settings of one bridge, as {@code MqttBroker.Builder} made them. Immutable.
 *
 * @param url the broker URL as given, for messages
 * @param host the broker's host
 * @param port the broker's port
 * @param tls TLS settings (the client side), or null for plain TCP
 * @param username the bridge's own user name (shared mode, RawPublish), possibly empty
 * @param password the bridge's own password, possibly empty; never logged
 * @param maxPendingPublishes qos 1/2 publishes waiting for the broker per MQTT connection, beyond
 *     which a publish fails at once
 */
public record BridgeConfig(String url, String host, int port, TlsSettings tls,
    MqttBridgeMode mode, MqttProtocolVersion version, String clientIdPrefix, String username,
    String password, int poolSize, Duration keepalive, Duration sessionExpiry,
    Duration reconnectWindow, Duration connectTimeout, Duration publishTimeout,
    Duration reconnectMaxDelay, int maxPendingPublishes) {

  @Override
  public String toString() {
    return "BridgeConfig[" + url + ", mode=" + mode + ", version=" + version + ", username="
        + username + ", password=" + (password.isEmpty() ? "(none)" : "***") + "]";
  }
}
