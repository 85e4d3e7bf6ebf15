/**
 * Machinery shared by exproto's transport and gRPC modules (PEM parsing). Not API: may change
 * without notice.
 */
package io.exproto.transport.internal;
