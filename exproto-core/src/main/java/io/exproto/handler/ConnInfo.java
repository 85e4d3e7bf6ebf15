package io.exproto.handler;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * What the handler learns about a new connection in {@link ConnectionHandler#onSocketCreated}.
 *
 * @param socketType the socket kind
 * @param peer the client's address (the real client when PROXY protocol is on)
 * @param local the gateway's address the client reached
 * @param peerCertificate the client's certificate, or null when none was presented
 */
public record ConnInfo(SocketType socketType, InetSocketAddress peer, InetSocketAddress local,
    PeerCertificate peerCertificate) {
  /** Validates the arguments. */
  public ConnInfo {
    Objects.requireNonNull(socketType, "socketType");
    Objects.requireNonNull(peer, "peer");
    Objects.requireNonNull(local, "local");
  }
}
