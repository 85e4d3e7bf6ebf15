package io.exproto.transport.dtls.internal;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What a DTLS listener counts over its life: kept by the listener, so that they are readable
 * before start and after stop, and added to by its {@link DtlsEndpoint}. Not API; thread-safe.
 */
public final class DtlsCounters {
  final AtomicLong refused = new AtomicLong();
  final AtomicLong denied = new AtomicLong();
  final AtomicLong rateLimited = new AtomicLong();
  final AtomicLong droppedWhilePaused = new AtomicLong();

  /** Sessions closed after their handshake because {@code maxConnections} were open. */
  public long refused() {
    return refused.get();
  }

  /** Sessions closed after their handshake because the access rules deny the peer. */
  public long denied() {
    return denied.get();
  }

  /** Session-starting ClientHellos dropped for coming faster than {@code maxConnRate}. */
  public long rateLimited() {
    return rateLimited.get();
  }

  /** Application records dropped because their link's reads were paused. */
  public long droppedWhilePaused() {
    return droppedWhilePaused.get();
  }
}
