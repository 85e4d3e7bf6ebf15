package io.exproto.transport;

import io.exproto.handler.PeerCertificate;
import io.exproto.handler.SocketType;
import java.net.InetSocketAddress;

/**
 * One transport-level connection (a TCP/TLS socket, a DTLS session, a UDP peer), as the gateway
 * engine sees it. Implemented by transports. The engine calls every method on {@link #executor()}.
 */
public interface Link {

  /** The executor this link's events are delivered on and its connection is confined to. */
  LinkExecutor executor();

  /** The socket kind. */
  SocketType socketType();

  /** The client's address (the real client when PROXY protocol is on). */
  InetSocketAddress remoteAddress();

  /** The local address the client reached. */
  InetSocketAddress localAddress();

  /** The client's certificate, or null if none was presented or the link is not TLS/DTLS. */
  PeerCertificate peerCertificate();

  /** The name of the listener that accepted this link. */
  String listenerName();

  /** Writes {@code bytes} as one write (one datagram); the array is handed over, not copied. */
  void write(byte[] bytes);

  /**
   * Closes the link. The transport then reports {@link LinkListener#onClosed} (the engine ignores
   * it if the engine closed first).
   */
  void close();

  /** Pauses ({@code true}) or resumes reading from the link; used for backpressure. */
  void setReadPaused(boolean paused);
}
