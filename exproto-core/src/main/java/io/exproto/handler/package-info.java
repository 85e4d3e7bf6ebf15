/**
 * The handler contract: {@link io.exproto.handler.ConnectionHandler} (the five callbacks a
 * protocol handler implements) and {@link io.exproto.handler.ConnectionAdapter} (the eight
 * operations the gateway offers it), with the value types they exchange.
 */
package io.exproto.handler;
