package io.exproto.broker;

/**
 * The broker refused an operation for this client: it rejected the session's credentials, or it
 * does not authorise a publish or a subscription. The gateway answers the adapter call with
 * PERMISSION_DENY and this exception's message, which is the broker's reason in plain words.
 */
public class BrokerRefusedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** A refusal with the broker's reason. */
  public BrokerRefusedException(String reason) {
    super(reason);
  }
}
