package io.exproto.broker.mqtt;

/** The MQTT protocol version the bridge speaks to the external broker. */
public enum MqttProtocolVersion {
  /** MQTT 5.0, the default: reason codes on refusals and on the broker's disconnects. */
  V5,
  /**
   * MQTT 3.1.1, for brokers without MQTT 5. Refusals carry only CONNACK return codes and a
   * SUBACK failure; a publish the broker does not authorise is silently dropped by most brokers
   * (3.1.1 has no negative PUBACK); deliveries carry no publisher ({@code from} is empty); and a
   * broker's close carries no reason, so a session closed while the bridge's own connection stays
   * up is taken as taken over ({@code discarded}) and an administrative kick looks the same. Use
   * {@link #V5} where the broker has it.
   */
  V3_1_1
}
