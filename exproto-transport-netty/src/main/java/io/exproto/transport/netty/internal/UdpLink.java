package io.exproto.transport.netty.internal;

import io.exproto.handler.PeerCertificate;
import io.exproto.handler.SocketType;
import io.exproto.transport.Link;
import io.exproto.transport.LinkExecutor;
import io.exproto.transport.LinkListener;
import java.net.InetSocketAddress;

/**
 * One UDP peer {@code (ip, port)} of a UDP listener, as a {@link Link}.
 *
 * <p>Deliberately tiny: a peer costs its entry in the listener's peer map plus this object (four
 * references and two flags). Everything shared by the listener's peers (the channel, its event
 * loop, the counters) lives in {@link UdpPeers}, which is also every peer's {@link LinkExecutor}.
 *
 * <p>{@link #write}, {@link #close} and {@link #setReadPaused} may be called from any thread;
 * {@code close} and the events it causes run on the listener's event loop.
 */
public final class UdpLink implements Link {

  /**
   * The close reason of a UDP peer: UDP has no close of its own (docs/behaviour.md, Close reasons, lists none), so it is
   * reported when the link is closed locally or its listener stops.
   */
  public static final String UDP_CLOSED = "udp_closed";

  final UdpPeers peers;
  final InetSocketAddress remote;
  // Set once on the event loop right after accept, read only there.
  LinkListener listener;
  // Written on the event loop only; volatile so that writes from other threads see a close.
  volatile boolean closed;
  // Written from any thread (the engine calls it on the event loop), read on the event loop.
  volatile boolean readPaused;

  UdpLink(UdpPeers peers, InetSocketAddress remote) {
    this.peers = peers;
    this.remote = remote;
  }

  @Override
  public LinkExecutor executor() {
    return peers;
  }

  /** Always {@link SocketType#UDP}. */
  @Override
  public SocketType socketType() {
    return SocketType.UDP;
  }

  @Override
  public InetSocketAddress remoteAddress() {
    return remote;
  }

  /** The listener's bound address (possibly the wildcard address). */
  @Override
  public InetSocketAddress localAddress() {
    return peers.localAddress();
  }

  /** Always null: plain UDP has no certificates. */
  @Override
  public PeerCertificate peerCertificate() {
    return null;
  }

  @Override
  public String listenerName() {
    return peers.listenerName();
  }

  /** Sends {@code bytes} as exactly one datagram to the peer; dropped once the link is closed. */
  @Override
  public void write(byte[] bytes) {
    if (!closed) {
      peers.send(remote, bytes);
    }
  }

  /**
   * Forgets the peer and reports {@code onClosed("udp_closed")} once, on a later turn of the event
   * loop (never from inside this call). A later datagram from the same address is a new link.
   * Idempotent.
   */
  @Override
  public void close() {
    peers.close(this, UDP_CLOSED);
  }

  /**
   * UDP cannot stop one peer's datagrams from arriving, so while paused this peer's datagrams are
   * dropped (and counted by the listener) instead of delivered.
   */
  @Override
  public void setReadPaused(boolean paused) {
    readPaused = paused;
  }

  @Override
  public String toString() {
    return "udp link " + remote + " on listener '" + peers.listenerName() + "'";
  }
}
