/**
 * Small runnable examples of using the library: a gateway embedded in a JVM application, an
 * in-process publish/subscribe handler, and a remote handler served over gRPC. To read and copy
 * from; not deployed, and nothing depends on them.
 */
package io.exproto.examples;
