/**
 * The machinery of {@link io.exproto.broker.mqtt.MqttBroker}: one MQTT connection with its
 * reconnect policy ({@code MqttLink}, over the HiveMQ client's MQTT 5 or 3.1.1 API), a device's
 * own session ({@code DeviceSession}), the shared-mode pool with its reference-counted filters
 * ({@code SharedPool}), and the mapping of the client's failures to refusals and outages.
 * Not for use outside this module; it may change in any release.
 */
package io.exproto.broker.mqtt.internal;
