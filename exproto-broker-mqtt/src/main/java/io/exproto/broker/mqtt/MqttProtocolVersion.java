package io.exproto.broker.mqtt;

/** The MQTT protocol version the bridge speaks to the external broker. */
public enum MqttProtocolVersion {
  /** MQTT 5.0, the default: reason codes on refusals and on the broker's disconnects. */
  V5,
  /**
   * MQTT 3.1.1, for brokers without MQTT 5. Refusals carry only CONNACK return codes and a
   * SUBACK failure; a publish the broker does not authorise is silently dropped by most brokers
   * (3.1.1 has no negative PUBACK); and a broker's close carries no reason, so the bridge cannot
   * tell a session taken over on another node from a network failure and treats both as an
   * outage (it reconnects). Use {@link #V5} where the broker has it.
   */
  V3_1_1
}
