package io.exproto.transport.dtls.internal;

import io.exproto.handler.PeerCertificate;
import io.exproto.handler.SocketType;
import io.exproto.transport.Link;
import io.exproto.transport.LinkExecutor;
import io.exproto.transport.LinkListener;
import java.net.InetSocketAddress;

/**
 * One DTLS session (one peer) of a DTLS listener, as a {@link Link}. {@link #write}, {@link
 * #close} and {@link #setReadPaused} may be called from any thread.
 */
final class DtlsLink implements Link {

  final DtlsEndpoint owner;
  final SerialExecutor executor;
  final InetSocketAddress remote;
  final PeerCertificate peerCertificate;
  final Object connection; // the Scandium connection this link belongs to, compared by identity
  // Set on the executor by the accept task, read only there.
  LinkListener listener;
  // Guarded by the owner's lock; volatile so that writes see a close.
  volatile boolean closed;
  volatile boolean readPaused;

  DtlsLink(DtlsEndpoint owner, SerialExecutor executor, InetSocketAddress remote,
      PeerCertificate peerCertificate, Object connection) {
    this.owner = owner;
    this.executor = executor;
    this.remote = remote;
    this.peerCertificate = peerCertificate;
    this.connection = connection;
  }

  @Override
  public LinkExecutor executor() {
    return executor;
  }

  /** Always {@link SocketType#DTLS}. */
  @Override
  public SocketType socketType() {
    return SocketType.DTLS;
  }

  @Override
  public InetSocketAddress remoteAddress() {
    return remote;
  }

  /** The listener's bound address (possibly the wildcard address). */
  @Override
  public InetSocketAddress localAddress() {
    return owner.localAddress();
  }

  /** The client's X.509 certificate subject, or null (PSK, or no certificate presented). */
  @Override
  public PeerCertificate peerCertificate() {
    return peerCertificate;
  }

  @Override
  public String listenerName() {
    return owner.name();
  }

  /** Sends {@code bytes} as one DTLS application record to the peer; dropped once closed. */
  @Override
  public void write(byte[] bytes) {
    if (!closed) {
      owner.send(this, bytes);
    }
  }

  /**
   * Ends the peer's DTLS session (a {@code close_notify} is sent) and reports {@code
   * onClosed("ssl_closed")} once, on a later task of the link's executor. Idempotent.
   */
  @Override
  public void close() {
    owner.closeLink(this, DtlsEndpoint.SSL_CLOSED, true);
  }

  /**
   * A DTLS peer cannot be stopped from sending, so while paused its records are dropped (counted
   * by the listener's {@code droppedWhilePaused()}).
   */
  @Override
  public void setReadPaused(boolean paused) {
    readPaused = paused;
  }

  @Override
  public String toString() {
    return "dtls link " + remote + " on listener '" + owner.name() + "'";
  }
}
