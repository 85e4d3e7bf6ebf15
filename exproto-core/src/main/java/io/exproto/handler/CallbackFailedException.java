package io.exproto.handler;

/**
 * Thrown (or used to complete a callback's stage exceptionally) by a handler binding to say why a
 * callback failed. The gateway closes the connection with reason
 * {@code {shutdown,{error,{on_<callback>,<reason>}}}} where {@code <reason>} is {@link #reason()}.
 * Any other failure is reported with reason {@code internal}.
 */
public class CallbackFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String reason;

  /**
   * @param reason a short snake_case token, e.g. {@code unavailable} or {@code deadline_exceeded}
   * @param cause the underlying failure, may be null
   */
  public CallbackFailedException(String reason, Throwable cause) {
    super(reason, cause);
    this.reason = reason;
  }

  /** The snake_case token that goes into the close reason. */
  public String reason() {
    return reason;
  }
}
