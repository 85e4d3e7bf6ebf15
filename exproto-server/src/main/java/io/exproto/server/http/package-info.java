/**
 * The standalone gateway's HTTP side: {@link io.exproto.server.http.HttpApiServer} serves EMQX's
 * management API under {@code /api/v5}, Prometheus metrics, the status page and the dashboard,
 * guarded by {@link io.exproto.server.http.ApiKeys}; {@link io.exproto.server.http.ServerAdmin}
 * is what it needs from the server beyond the gateway. For {@code io.exproto.server} only: an
 * application embedding the gateway has the Java management API on
 * {@link io.exproto.gateway.Gateway} instead.
 */
package io.exproto.server.http;
