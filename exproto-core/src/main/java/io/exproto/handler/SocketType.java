package io.exproto.handler;

/** The kind of socket behind a connection; the numbers are those of {@code emqx.exproto.v1.SocketType}. */
public enum SocketType {
  /** Plain TCP. */
  TCP,
  /** TLS over TCP. */
  SSL,
  /** One UDP peer {@code (ip, port)}. */
  UDP,
  /** One DTLS session (EMQX reported these as SSL). */
  DTLS
}
