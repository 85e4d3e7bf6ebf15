package io.exproto.broker.mqtt.internal;

/**
 * The external broker could not be asked: not reachable, connection lost past the bounded wait,
 * or too many publishes already waiting for it. The gateway answers UNKNOWN with this message.
 */
public final class BrokerUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BrokerUnavailableException(String message) {
    super(message);
  }

  public BrokerUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
