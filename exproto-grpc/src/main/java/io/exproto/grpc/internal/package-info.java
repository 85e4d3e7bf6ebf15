/**
 * The machinery of the gRPC binding: the ConnectionAdapter service and its translation between
 * protobuf and the Java adapter, the unary and streaming handler clients, their channels, TLS
 * contexts and callback deadlines, and password redaction for logs. Not API: use {@link
 * io.exproto.grpc.GrpcAdapterServer} and {@link io.exproto.grpc.GrpcHandler}; it may change in any
 * release.
 */
package io.exproto.grpc.internal;
