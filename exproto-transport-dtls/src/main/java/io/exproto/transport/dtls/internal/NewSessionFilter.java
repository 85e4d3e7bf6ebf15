package io.exproto.transport.dtls.internal;

import io.exproto.transport.AccessRules;
import io.exproto.transport.internal.AcceptRateLimiter;
import java.net.DatagramPacket;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.scandium.DtlsDatagramFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scandium's default datagram filter plus {@code max_conn_rate}, docs/configuration.md, applied to raw datagrams
 * before Scandium parses them.
 *
 * <p>A new DTLS 1.2 session starts with a ClientHello without cookie, which Scandium answers
 * statelessly with a HelloVerifyRequest, then the same ClientHello with the cookie, which is what
 * makes Scandium create a connection and start the (expensive) handshake. So a ClientHello with a
 * non-empty cookie takes a token; without one it is dropped here, unanswered, before anything is
 * allocated for it, and counted. The listener configures Scandium to ask for a cookie in every
 * new handshake (PSK and resumption included), so no session starts without passing here.
 *
 * <p>Peers the access rules deny pass without a token (they are closed after their handshake, as
 * before), so that a denied peer cannot use up the rate.
 */
final class NewSessionFilter extends DtlsDatagramFilter {

  private static final Logger log = LoggerFactory.getLogger(NewSessionFilter.class);

  // RFC 6347 4.1 and 4.2.2: record header 13 bytes, handshake header 12 bytes; then the
  // ClientHello: client_version (2), random (32), session_id <0..32>, cookie <0..255>, ...
  private static final int HANDSHAKE = 22;
  private static final int CLIENT_HELLO = 1;
  private static final int SESSION_ID_LENGTH_AT = 13 + 12 + 2 + 32;

  private final String name;
  private final AccessRules accessRules;
  private final AcceptRateLimiter limiter;
  private final AtomicLong rateLimited;

  NewSessionFilter(Configuration config, String name, AccessRules accessRules,
      AcceptRateLimiter limiter, AtomicLong rateLimited) {
    super(config);
    this.name = name;
    this.accessRules = accessRules;
    this.limiter = limiter;
    this.rateLimited = rateLimited;
  }

  @Override
  public boolean onReceiving(DatagramPacket packet) {
    if (!super.onReceiving(packet)) {
      return false;
    }
    if (!opensSession(packet.getData(), packet.getOffset(), packet.getLength())) {
      return true;
    }
    SocketAddress from = packet.getSocketAddress();
    if (from instanceof InetSocketAddress peer && !accessRules.allows(peer.getAddress())) {
      return true; // denied after its handshake, without spending a token
    }
    if (limiter.tryAcquire()) {
      return true;
    }
    rateLimited.incrementAndGet();
    log.debug("listener '{}': new session from {} dropped: over max_conn_rate", name, from);
    return false;
  }

  /**
   * Whether the datagram's first record is an unfragmented ClientHello of epoch 0 that carries a
   * cookie: the message that makes Scandium create a session. Anything else, well-formed or not,
   * is left to Scandium.
   */
  static boolean opensSession(byte[] data, int offset, int length) {
    if (length <= SESSION_ID_LENGTH_AT
        || (data[offset] & 0xff) != HANDSHAKE
        || data[offset + 3] != 0 || data[offset + 4] != 0 // epoch
        || (data[offset + 13] & 0xff) != CLIENT_HELLO
        || data[offset + 19] != 0 || data[offset + 20] != 0 || data[offset + 21] != 0
        || data[offset + 14] != data[offset + 22] || data[offset + 15] != data[offset + 23]
        || data[offset + 16] != data[offset + 24]) {
      return false; // a fragment: Scandium drops fragmented ClientHellos of new peers
    }
    int cookieLengthAt = SESSION_ID_LENGTH_AT + 1 + (data[offset + SESSION_ID_LENGTH_AT] & 0xff);
    return cookieLengthAt < length && data[offset + cookieLengthAt] != 0;
  }
}
