package io.exproto.gateway.internal;

import io.exproto.gateway.ClientView;
import io.exproto.gateway.Gateway;
import io.exproto.gateway.GatewayBuilder;
import io.exproto.gateway.GatewayStats;
import io.exproto.handler.ConnectionAdapter;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The engine (work in progress). */
public final class GatewayImpl implements Gateway {
  public GatewayImpl(GatewayBuilder.Settings settings) {}

  @Override public Gateway start() { throw new UnsupportedOperationException(); }
  @Override public ConnectionAdapter adapter() { throw new UnsupportedOperationException(); }
  @Override public String nodeName() { throw new UnsupportedOperationException(); }
  @Override public Map<String, InetSocketAddress> listenerAddresses() { throw new UnsupportedOperationException(); }
  @Override public List<ClientView> clients() { throw new UnsupportedOperationException(); }
  @Override public boolean kick(String clientId) { throw new UnsupportedOperationException(); }
  @Override public GatewayStats stats() { throw new UnsupportedOperationException(); }
  @Override public void shutdown() { throw new UnsupportedOperationException(); }
  @Override public void shutdownNow() { throw new UnsupportedOperationException(); }
  @Override public boolean awaitTermination(Duration timeout) { throw new UnsupportedOperationException(); }
  @Override public boolean isTerminated() { throw new UnsupportedOperationException(); }
  @Override public void close() { throw new UnsupportedOperationException(); }
}
