package io.exproto.gateway.internal;

import io.exproto.gateway.Gateway;

/**
 * Creates the engine behind {@link Gateway}, so that the public builder needs neither the
 * implementation class nor its constructor (as grpc-java's {@code ServerImplBuilder} keeps
 * {@code ServerImpl} out of the API). Not API: use {@link Gateway#builder()}.
 */
public final class GatewayFactory {
  private GatewayFactory() {}

  /** A new, unstarted gateway running with {@code settings}, which the caller has validated. */
  public static Gateway create(GatewaySettings settings) {
    return new GatewayImpl(settings);
  }
}
