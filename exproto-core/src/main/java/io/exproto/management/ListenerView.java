package io.exproto.management;

import java.net.InetSocketAddress;

/**
 * A running listener as management sees it.
 *
 * @param name its name, e.g. {@code default}
 * @param kind its kind: {@code tcp}, {@code ssl}, {@code udp} or {@code dtls}
 * @param address the bound address
 * @param connections connections it accepted that are open now
 */
public record ListenerView(String name, String kind, InetSocketAddress address,
    int connections) {

  /** EMQX's listener id for a gateway listener, e.g. {@code exproto:tcp:default}. */
  public String id() {
    return "exproto:" + kind + ":" + name;
  }
}
