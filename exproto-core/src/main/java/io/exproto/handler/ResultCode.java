package io.exproto.handler;

/**
 * The outcome of an adapter operation; the numbers are those of {@code emqx.exproto.v1.ResultCode}.
 */
public enum ResultCode {
  /** The operation succeeded. */
  SUCCESS(0),
  /** An error that fits no other code. */
  UNKNOWN(1),
  /** The {@code conn} is unknown, malformed, or its connection has closed. */
  CONN_PROCESS_NOT_ALIVE(2),
  /** A required parameter is missing (for example Authenticate without client info). */
  REQUIRED_PARAMS_MISSED(3),
  /** A parameter has a wrong type or value (qos above 2, an invalid topic, a zero interval). */
  PARAMS_TYPE_ERROR(4),
  /** The operation is not allowed now (not authenticated, denied by authentication or authorization). */
  PERMISSION_DENY(5);

  private final int number;

  ResultCode(int number) {
    this.number = number;
  }

  /** The number used on the wire. */
  public int number() {
    return number;
  }
}
