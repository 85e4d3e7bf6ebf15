/**
 * What a handler author needs to test a protocol handler: JUnit 5 extensions that run a gateway
 * per test ({@link io.exproto.testkit.GatewayExtension}) and clean up gRPC resources ({@link
 * io.exproto.testkit.GrpcCleanupExtension}), a handler that records and scripts callbacks ({@link
 * io.exproto.testkit.RecordingHandler}), devices over real sockets ({@link
 * io.exproto.testkit.TcpTestDevice}) or in memory ({@link io.exproto.testkit.InMemoryListener},
 * {@link io.exproto.testkit.InMemoryDevice}), a scheduler whose time the test moves ({@link
 * io.exproto.testkit.ManualScheduler}), and throw-away TLS certificates ({@link
 * io.exproto.testkit.TestCertificates}). For tests only.
 */
package io.exproto.testkit;
