/**
 * Micrometer binding of the gateway's metrics: {@link io.exproto.micrometer.MicrometerMetrics}.
 */
package io.exproto.micrometer;
