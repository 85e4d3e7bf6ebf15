package io.exproto.server;

import io.exproto.remote.RemoteHandlerGateway;
import io.exproto.server.GatewayConfigFile.ListenerConfig;
import io.exproto.server.GatewayConfigFile.TcpOptions;
import io.exproto.server.GatewayConfigFile.TlsFiles;
import io.exproto.tls.TlsSettings;
import io.exproto.transport.AccessRules;
import io.exproto.transport.TransportListener;
import io.exproto.transport.dtls.DtlsListener;
import io.exproto.transport.internal.PemFiles;
import io.exproto.transport.netty.TcpListener;
import io.exproto.transport.netty.UdpListener;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The listener of each {@link ListenerConfig}, at start and for listeners added live over the
 * management API: tcp, ssl and udp listeners on the gateway's shared threads, dtls ones on
 * Scandium's own. Immutable; thread-safe.
 *
 * @param psk the pre-shared keys of dtls listeners ({@code --pskfile} or {@code
 *     psk_authentication}), or null
 */
record ListenerFactory(Map<String, byte[]> psk) {

  /**
   * Adds the listener of {@code l}, bound to {@code bind}, to the gateway being built.
   *
   * @throws IllegalArgumentException naming the setting that is wrong
   */
  void addTo(RemoteHandlerGateway.Builder gateway, ListenerConfig l, InetSocketAddress bind) {
    switch (l.type()) {
      case "dtls" -> gateway.listener(dtls(l, bind));
      case "udp" -> gateway.listener(udp(l, bind));
      default -> gateway.listener(tcp(l, bind));
    }
  }

  /**
   * The listener of {@code l} for the running {@code gateway}, bound to its {@code bind}.
   *
   * @throws IllegalArgumentException naming the setting that is wrong
   */
  TransportListener live(RemoteHandlerGateway gateway, ListenerConfig l) {
    InetSocketAddress bind = l.bind().resolve();
    return switch (l.type()) {
      case "dtls" -> dtls(l, bind);
      case "udp" -> gateway.sharedListener(udp(l, bind));
      default -> gateway.sharedListener(tcp(l, bind));
    };
  }

  private static TcpListener.Builder tcp(ListenerConfig l, InetSocketAddress bind) {
    TcpListener.Builder b = TcpListener.builder().name(l.name()).bind(bind);
    ifSet(l.maxConnections(), b::maxConnections);
    ifSet(l.maxConnRate(), b::maxConnRate);
    if (l.accessRules() != null) {
      b.accessRules(AccessRules.parse(l.accessRules()));
    }
    ifSet(l.proxyProtocol(), b::proxyProtocol);
    ifSet(l.proxyProtocolTimeout(), b::proxyProtocolTimeout);
    TcpOptions o = l.tcpOptions();
    if (o != null) {
      ifSet(o.nodelay(), b::nodelay);
      ifSet(o.reuseaddr(), b::reuseaddr);
      ifSet(o.sndbuf(), b::sendBuffer);
      ifSet(o.recbuf(), b::recvBuffer);
      ifSet(o.backlog(), b::backlog);
      ifSet(o.sendTimeout(), b::sendTimeout);
      ifSet(o.maxPendingOutboundBytes(), b::maxPendingOutboundBytes);
    }
    ifSet(l.framing(), b::framing);
    ifSet(l.enableAuthn(), b::enableAuthn);
    if (l.type().equals("ssl")) {
      b.tls(SslOptionsSettings.sslListener(l.tls()));
      ifSet(l.tls().handshakeTimeout(), b::tlsHandshakeTimeout);
    }
    return b;
  }

  private static UdpListener.Builder udp(ListenerConfig l, InetSocketAddress bind) {
    UdpListener.Builder b = UdpListener.builder().name(l.name()).bind(bind);
    ifSet(l.maxConnections(), b::maxConnections);
    ifSet(l.maxConnRate(), b::maxConnRate);
    if (l.accessRules() != null) {
      b.accessRules(AccessRules.parse(l.accessRules()));
    }
    if (l.udpOptions() != null) {
      ifSet(l.udpOptions().reuseaddr(), b::reuseaddr);
      ifSet(l.udpOptions().sndbuf(), b::sendBuffer);
      ifSet(l.udpOptions().recbuf(), b::recvBuffer);
    }
    ifSet(l.enableAuthn(), b::enableAuthn);
    if (l.healthCheck() != null) {
      b.healthCheck(l.healthCheck().request().getBytes(StandardCharsets.UTF_8),
          l.healthCheck().reply().getBytes(StandardCharsets.UTF_8));
    }
    return b;
  }

  /** A dtls listener with a certificate (certfile and keyfile), the pre-shared keys, or both. */
  private DtlsListener dtls(ListenerConfig l, InetSocketAddress bind) {
    TlsFiles f = l.tls() != null ? l.tls() : TlsFiles.of(null, null, null, false, false);
    DtlsListener.Builder b = DtlsListener.builder().name(l.name()).bind(bind);
    ifSet(l.enableAuthn(), b::enableAuthn);
    if (f.certfile() != null || f.keyfile() != null) {
      if (f.certfile() == null || f.keyfile() == null) {
        throw new IllegalArgumentException("dtls listener '" + l.name() + "' needs both"
            + " certfile and keyfile for a certificate");
      }
      TlsSettings.ServerBuilder t = TlsSettings.server().certificate(f.certfile(), f.keyfile());
      ifSet(f.cacertfile(), t::trustCertificates);
      b.tls(t.clientAuth(SslOptionsSettings.clientAuth(f, true)).build());
    } else if (psk == null) {
      throw new IllegalArgumentException("dtls listener '" + l.name() + "' needs certfile and"
          + " keyfile, or pre-shared keys");
    } else {
      if (SslOptionsSettings.clientAuth(f, true) != TlsSettings.ClientAuth.NONE) {
        throw new IllegalArgumentException("dtls listener '" + l.name() + "': verify ="
            + " verify_peer needs certfile and keyfile: client certificates are only asked for"
            + " in certificate handshakes");
      }
      if (f.cacertfile() != null) { // checked as ever, though only certificates would use it
        PemFiles.certificates("cacertfile", f.cacertfile());
      }
    }
    ifSet(psk, b::psk);
    ifSet(l.maxConnections(), b::maxConnections);
    ifSet(l.maxConnRate(), b::maxConnRate);
    if (l.accessRules() != null) {
      b.accessRules(AccessRules.parse(l.accessRules()));
    }
    if (l.udpOptions() != null) { // reuseaddr: Scandium's own
      ifSet(l.udpOptions().sndbuf(), b::sendBuffer);
      ifSet(l.udpOptions().recbuf(), b::recvBuffer);
    }
    return b.build();
  }

  /** Calls {@code setter} with {@code value} if it is set: flags and file leave unset as null. */
  static <T> void ifSet(T value, Consumer<T> setter) {
    if (value != null) {
      setter.accept(value);
    }
  }
}
