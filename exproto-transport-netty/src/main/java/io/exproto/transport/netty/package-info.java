/**
 * Netty listeners for the ExProto gateway.
 *
 * <ul>
 *   <li>{@link io.exproto.transport.netty.TcpListener}: TCP, built with {@code
 *       TcpListener.builder()} and handed to the gateway builder as a {@link
 *       io.exproto.transport.TransportListener}; optionally with the PROXY protocol (v1 and v2,
 *       the real client address becomes the link's remote address).
 *   <li>{@code TcpListener.Builder.tls} takes the server side of {@link
 *       io.exproto.tls.TlsSettings} (in exproto-core: certificate, key, CA, client verification,
 *       versions, ciphers) and makes a TCP listener an {@code ssl} listener, on the {@link
 *       io.exproto.transport.netty.TlsProvider} chosen; links are handed to the gateway after the
 *       handshake, with the client's certificate.
 *   <li>{@link io.exproto.transport.netty.UdpListener}: UDP, one connection per peer {@code (ip,
 *       port)} on one datagram socket, with an optional health check.
 *   <li>{@link io.exproto.transport.netty.NettyTransport}: the event loop threads, shared by
 *       several listeners when given to each; otherwise every listener owns its own.
 *   <li>{@link io.exproto.transport.netty.Framing}: how a TCP listener cuts inbound bytes into
 *       whole frames (none, line, delimiter, length field, fixed length; docs/configuration.md, Framing).
 *   <li>{@link io.exproto.transport.AccessRules} (in exproto-core): which client addresses a TCP listener
 *       accepts ({@code allow|deny <ip|cidr|all>}, first match wins; docs/configuration.md).
 * </ul>
 *
 * <p>Each accepted connection is confined to one event loop thread, which is its {@link
 * io.exproto.transport.LinkExecutor}: its reads, close report and (normally) writes happen there.
 * One socket read is one {@code onBytes}, or with a TCP listener's {@link
 * io.exproto.transport.netty.Framing} one whole frame; one {@code Link.write} is one write, never
 * framed. Connections that the access rules deny, or that come faster than a listener's {@code
 * maxConnRate}, are closed as soon as they are accepted and never reach the gateway; so are those
 * whose TLS handshake or PROXY protocol header fails. Everything in
 * {@code io.exproto.transport.netty.internal} is machinery and may change without notice.
 */
package io.exproto.transport.netty;

