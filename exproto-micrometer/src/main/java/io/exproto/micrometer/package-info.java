/**
 * Micrometer binding of the gateway's metrics: {@link io.exproto.micrometer.MicrometerMetrics}.
 * For applications that export the gateway's figures through a Micrometer registry (Prometheus,
 * say); the standalone server uses it for its Prometheus endpoints.
 */
package io.exproto.micrometer;
