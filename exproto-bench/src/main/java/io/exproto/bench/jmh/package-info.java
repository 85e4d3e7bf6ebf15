/**
 * JMH micro-benchmarks of hot paths (the callback queue through an in-memory gateway, the gRPC
 * translation, topic matching), run by the benchmark's {@code jmh} command. Not a library.
 */
package io.exproto.bench.jmh;
