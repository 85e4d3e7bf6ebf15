/**
 * The transport SPI: listeners accept {@link io.exproto.transport.Link}s; the engine reacts to
 * their events through {@link io.exproto.transport.LinkListener}. Core never imports a network
 * library; transports never see protocol state.
 */
package io.exproto.transport;
