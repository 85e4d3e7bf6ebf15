package io.exproto.transport;

/**
 * The engine's side of a {@link Link}: the transport reports what happens to the link here, always
 * on the link's executor.
 */
public interface LinkListener {

  /** Bytes arrived (one read, one datagram, or one frame); the array is handed over. */
  void onBytes(byte[] bytes);

  /**
   * The link closed or failed. Reported at most once.
   *
   * @param reason the inner part of the close reason: {@code tcp_closed}, {@code ssl_closed}, or an
   *     error such as {@code econnreset}; the engine reports {@code {shutdown,<reason>}}
   */
  void onClosed(String reason);
}
