/**
 * The metrics seam: the gateway reports what it does into a {@link io.exproto.metrics.GatewayMetrics}
 * binding; without one nothing is measured and nothing is allocated. The exproto-micrometer
 * module binds it to Micrometer; an application with another metrics system implements it.
 */
package io.exproto.metrics;
