package io.exproto.broker.mqtt;

/** How {@link MqttBroker} carries devices to the external broker. */
public enum MqttBridgeMode {
  /**
   * One MQTT session per authenticated device, opened at Authenticate with the device's client id
   * (after the configured prefix), user name and password. The broker's CONNACK takes part in
   * authentication; the broker sees, authorises and lists every device; subscriptions are the
   * session's own. The default.
   */
  SESSION,
  /**
   * A pool of MQTT connections with the bridge's own credentials carries every device. One broker
   * subscription per distinct filter, reference-counted, fanned out to the devices in the
   * gateway; authentication stays the gateway's. For very many devices the broker need not see
   * one by one.
   */
  SHARED
}
