package io.exproto.transport.internal;

/** The checks of a listener's socket buffer settings, shared by the socket transports. */
public final class SocketBuffers {
  private SocketBuffers() {}

  /**
   * Checks {@code sendBuffer} and {@code recvBuffer}: 0 leaves the OS default, else a size in
   * bytes.
   *
   * @throws IllegalArgumentException naming the setting that is negative, and its value
   */
  public static void check(int sendBuffer, int recvBuffer) {
    if (sendBuffer < 0) {
      throw new IllegalArgumentException("sendBuffer must be 0 (OS default) or a size in bytes,"
          + " was " + sendBuffer);
    }
    if (recvBuffer < 0) {
      throw new IllegalArgumentException("recvBuffer must be 0 (OS default) or a size in bytes,"
          + " was " + recvBuffer);
    }
  }
}
