/**
 * The gRPC binding of the ExProto handler contract ({@code exproto.proto}, proto package
 * {@code emqx.exproto.v1}), wire-compatible with the EMQX ExProto gateway (v5.1 and later).
 *
 * <ul>
 *   <li>{@link io.exproto.grpc.GrpcAdapterServer} serves a gateway's
 *       {@link io.exproto.handler.ConnectionAdapter} as the {@code ConnectionAdapter} service, so
 *       remote handlers can send bytes, authenticate, publish and subscribe. It also serves gRPC
 *       health checking and server reflection.</li>
 *   <li>{@link io.exproto.grpc.GrpcHandler} is a {@link io.exproto.handler.ConnectionHandler} that
 *       forwards every callback to a remote {@code ConnectionUnaryHandler} service.</li>
 *   <li>TLS, in each direction, takes {@link io.exproto.tls.TlsSettings} (in exproto-core): the
 *       server side for the adapter server's certificate and client verification
 *       ({@code server.ssl_options}), the client side for how the gateway verifies and
 *       authenticates to an {@code https://} handler ({@code handler.ssl_options}).</li>
 * </ul>
 *
 * <p>Both are thin translations: the behaviour (result codes, ordering, timeouts) is the core's.
 * The generated protobuf and gRPC classes live in {@code io.exproto.grpc.v1}; the translation
 * machinery in {@code io.exproto.grpc.internal} is not API. For applications whose protocol
 * handler runs in another process, in any language with gRPC.
 */
package io.exproto.grpc;
