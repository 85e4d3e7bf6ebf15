package io.exproto.metrics;

/** The five handler callbacks, with the snake_case names used in close reasons and meter tags. */
public enum HandlerCallback {
  ON_SOCKET_CREATED("on_socket_created"),
  ON_RECEIVED_BYTES("on_received_bytes"),
  ON_TIMER_TIMEOUT("on_timer_timeout"),
  ON_RECEIVED_MESSAGES("on_received_messages"),
  ON_SOCKET_CLOSED("on_socket_closed");

  private final String tag;

  HandlerCallback(String tag) {
    this.tag = tag;
  }

  /** The snake_case name, e.g. {@code on_received_bytes}. */
  public String tag() {
    return tag;
  }
}
