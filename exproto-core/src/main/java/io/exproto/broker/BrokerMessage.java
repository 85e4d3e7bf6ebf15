package io.exproto.broker;

import java.util.Objects;

/**
 * A message as published into a {@link Broker}. The topic is the full (mounted) topic. The payload
 * array is shared, not copied: nobody may modify it after publishing.
 *
 * @param id 32 uppercase hex characters, unique
 * @param from the publisher's client id
 * @param topic a valid MQTT topic name (no wildcards)
 * @param qos 0, 1 or 2
 * @param payload the payload
 * @param timestamp publish time, milliseconds since the epoch
 */
public record BrokerMessage(String id, String from, String topic, int qos, byte[] payload,
    long timestamp) {
  /** Validates the arguments. */
  public BrokerMessage {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(payload, "payload");
    if (qos < 0 || qos > 2) {
      throw new IllegalArgumentException("qos must be 0, 1 or 2, was " + qos);
    }
  }

  @Override
  public String toString() {
    return "BrokerMessage[id=" + id + ", from=" + from + ", topic=" + topic + ", qos=" + qos
        + ", payload=" + payload.length + " bytes]";
  }
}
