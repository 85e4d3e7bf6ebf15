/**
 * The standalone gateway ({@code exproto-gateway.jar}): {@link
 * io.exproto.server.StandaloneGateway} parses the command line and EMQX-shaped HOCON
 * configuration and wires listeners, the gRPC adapter and a handler; {@link
 * io.exproto.server.EchoHandler} is the built-in in-process handler used without {@code
 * --handler}. For running the gateway as a server; applications embedding the gateway use the
 * library modules instead.
 */
package io.exproto.server;
