package io.exproto.grpc;

import java.util.Locale;

/**
 * The handler services of {@code exproto.proto} a gateway can call ({@code handler.service_name}).
 */
public enum HandlerService {
  /**
   * {@code ConnectionUnaryHandler}, the default: one unary call per callback, at most one in
   * flight per connection, each with a deadline; a failure closes the connection with the
   * callback's name and the gRPC status.
   */
  CONNECTION_UNARY_HANDLER("ConnectionUnaryHandler"),
  /**
   * {@code ConnectionHandler}, the older streaming form: five long-lived client streams, one per
   * callback type. Order is kept within each callback type per connection, not across types (which
   * is why EMQX added the unary form). A message counts as delivered once written to its stream,
   * so it is at most once; a broken stream is reopened with backoff, and callbacks that could not
   * be written close their connection with reason {@code unavailable} (never a silent loss).
   */
  CONNECTION_HANDLER("ConnectionHandler");

  private final String serviceName;

  HandlerService(String serviceName) {
    this.serviceName = serviceName;
  }

  /** The service's name in {@code exproto.proto}. */
  public String serviceName() {
    return serviceName;
  }

  /**
   * The service named {@code name} ({@code ConnectionUnaryHandler} or {@code ConnectionHandler},
   * case-insensitive).
   *
   * @throws IllegalArgumentException naming the accepted values
   */
  public static HandlerService fromName(String name) {
    for (HandlerService s : values()) {
      if (s.serviceName.toLowerCase(Locale.ROOT).equals(name.trim().toLowerCase(Locale.ROOT))) {
        return s;
      }
    }
    throw new IllegalArgumentException("handler service must be ConnectionUnaryHandler or"
        + " ConnectionHandler, was '" + name + "'");
  }
}
