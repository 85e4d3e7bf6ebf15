/**
 * Netty listeners for the ExProto gateway.
 *
 * <ul>
 *   <li>{@link io.exproto.transport.netty.TcpListener}: plain TCP, built with {@code
 *       TcpListener.builder()} and handed to the gateway builder as a {@link
 *       io.exproto.transport.TransportListener}.
 *   <li>{@link io.exproto.transport.netty.NettyTransport}: the event loop threads, shared by
 *       several listeners when given to each; otherwise every listener owns its own.
 * </ul>
 *
 * <p>Each accepted connection is confined to one event loop thread, which is its {@link
 * io.exproto.transport.LinkExecutor}: its reads, close report and (normally) writes happen there.
 * One socket read is one {@code onBytes}; one {@code Link.write} is one write. Everything in {@code
 * io.exproto.transport.netty.internal} is machinery and may change without notice.
 */
package io.exproto.transport.netty;
