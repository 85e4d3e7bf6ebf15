/**
 * The broker SPI ({@link io.exproto.broker.Broker}), MQTT topic rules
 * ({@link io.exproto.broker.Topics}) and the in-memory reference broker
 * ({@link io.exproto.broker.InMemoryBroker}).
 */
package io.exproto.broker;
