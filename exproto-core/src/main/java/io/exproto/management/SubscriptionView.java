package io.exproto.management;

/**
 * One subscription of a client.
 *
 * @param topic the topic filter as the client (or management) gave it, without mountpoint
 * @param qos the maximum qos, 0 to 2
 */
public record SubscriptionView(String topic, int qos) {}
