/**
 * The transport SPI: listeners accept {@link io.exproto.transport.Link}s; the engine reacts to
 * their events through {@link io.exproto.transport.LinkListener}. Core never imports a network
 * library; transports never see protocol state. Implemented by the transport modules (Netty,
 * DTLS) and the testkit's in-memory listener; applications only hand listeners to the gateway
 * builder.
 */
package io.exproto.transport;
