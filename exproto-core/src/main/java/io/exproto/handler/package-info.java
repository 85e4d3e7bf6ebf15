/**
 * The handler contract: {@link io.exproto.handler.ConnectionHandler} (the five callbacks a
 * protocol handler implements) and {@link io.exproto.handler.ConnectionAdapter} (the eight
 * operations the gateway offers it), with the value types they exchange. Protocol handlers
 * implement the first and call the second; the gRPC binding implements both across the network.
 */
package io.exproto.handler;
