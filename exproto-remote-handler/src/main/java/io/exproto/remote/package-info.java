/**
 * A gateway with a remote gRPC handler in one object: {@link
 * io.exproto.remote.RemoteHandlerGateway} builds the device listeners, the handler channel and the
 * ConnectionAdapter server on one set of Netty event loops, starts them in order and closes them in
 * order. Its API holds exproto's own types only; the threads stay inside.
 */
package io.exproto.remote;
