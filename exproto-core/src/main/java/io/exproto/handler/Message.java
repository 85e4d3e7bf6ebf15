package io.exproto.handler;

import java.util.Objects;

/**
 * A message delivered to a connection through {@link ConnectionHandler#onReceivedMessages}.
 *
 * <p>The payload array is shared, not copied: do not modify it.
 *
 * @param node the gateway's node name
 * @param id the message id, 32 uppercase hex characters
 * @param qos min(publish qos, subscription qos)
 * @param from the publisher's client id ({@code exproto} for RawPublish)
 * @param topic the topic, without the connection's mountpoint
 * @param payload the payload
 * @param timestamp the publish time in milliseconds since the epoch
 */
public record Message(String node, String id, int qos, String from, String topic, byte[] payload,
    long timestamp) {
  /** Validates the arguments. */
  public Message {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(payload, "payload");
  }

  @Override
  public String toString() {
    return "Message[id=" + id + ", qos=" + qos + ", from=" + from + ", topic=" + topic
        + ", payload=" + payload.length + " bytes, timestamp=" + timestamp + "]";
  }
}
