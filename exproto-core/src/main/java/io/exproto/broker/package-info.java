/**
 * The broker SPI ({@link io.exproto.broker.Broker}), MQTT topic rules
 * ({@link io.exproto.broker.Topics}) and the in-memory reference broker
 * ({@link io.exproto.broker.InMemoryBroker}). Implement {@link io.exproto.broker.Broker} to put the
 * gateway on another messaging system (exproto-broker-mqtt does); applications otherwise only
 * choose a broker for the gateway builder.
 */
package io.exproto.broker;
