package io.exproto.metrics;

import io.exproto.gateway.Gateway;

/**
 * The seam between the gateway and a metrics library. The gateway asks for one
 * {@link ListenerMetrics} per listener when the listener starts and reports into it; a binding
 * (such as {@code io.exproto.micrometer.MicrometerMetrics} in the exproto-micrometer module)
 * turns those reports into meters. Give one to {@code GatewayBuilder.metrics}; without one the
 * gateway uses {@link #NONE}, which allocates nothing and whose calls do nothing.
 *
 * <p>Implementations are thread-safe. No method may block.
 */
public interface GatewayMetrics {

  /** No metrics. */
  GatewayMetrics NONE = new GatewayMetrics() {
    @Override
    public ListenerMetrics listener(String name, String kind) {
      return ListenerMetrics.NONE;
    }
  };

  /**
   * The measurements of a listener, called when it starts (again with the same name after a
   * listener is replaced; a binding may return the same instance).
   *
   * @param name the listener's name, e.g. {@code default}
   * @param kind its kind, e.g. {@code tcp}
   */
  ListenerMetrics listener(String name, String kind);

  /**
   * Called once when the gateway starts, for gauges read from the gateway itself (open
   * connections, clients: see {@link Gateway#stats()}). Default: nothing.
   */
  default void bindTo(Gateway gateway) {}
}
