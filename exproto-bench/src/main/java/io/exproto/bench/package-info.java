/**
 * The benchmark: {@code BenchMain} runs the comparisons (echo over Netty, gRPC unary and
 * streaming and in-process handlers, idle connections held, churn, the MQTT bridge,
 * authentication, operating costs, the soak) with the load generator in child processes, and
 * writes BENCHMARKS.md. A tool of this repository, not a library: nothing depends on it.
 */
package io.exproto.bench;
