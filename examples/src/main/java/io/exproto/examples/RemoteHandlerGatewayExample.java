package io.exproto.examples;

import io.exproto.remote.RemoteHandlerGateway;
import io.exproto.transport.netty.TcpListener;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * Embeds a gateway whose handler is a remote gRPC service, such as {@link PubSubHandlerServer} or
 * {@code python/echo_handler.py}: devices on TCP port 7993, the handler at the address given as
 * the first argument (default {@code http://127.0.0.1:9001}), the ConnectionAdapter it calls back
 * on {@code 127.0.0.1:9100}. One object owns the listeners, the handler channel and the adapter
 * server, on one set of threads.
 *
 * <pre>
 * java ... io.exproto.examples.PubSubHandlerServer --port 9001 --adapter 127.0.0.1:9100 &amp;
 * java ... io.exproto.examples.RemoteHandlerGatewayExample http://127.0.0.1:9001
 * </pre>
 */
public final class RemoteHandlerGatewayExample {
  private RemoteHandlerGatewayExample() {}

  /** Starts the gateway; it runs until the JVM is stopped. */
  public static void main(String[] args) throws Exception {
    String handler = args.length > 0 ? args[0] : "http://127.0.0.1:9001";
    RemoteHandlerGateway gateway = start(handler, new InetSocketAddress("127.0.0.1", 9100),
        new InetSocketAddress("0.0.0.0", 7993));
    System.out.println("exproto gateway: devices on " + gateway.listenerAddresses().get("tcp")
        + ", adapter on " + gateway.adapterAddress() + ", handler " + handler);

    // Graceful stop: the gateway's connections first, then the adapter, then the threads.
    Runtime.getRuntime().addShutdownHook(new Thread(gateway::close, "exproto-shutdown"));
  }

  /**
   * The example's gateway, started: a {@code tcp} listener on {@code devices}, the handler at
   * {@code handlerUrl}, the adapter on {@code adapter}.
   */
  static RemoteHandlerGateway start(String handlerUrl, InetSocketAddress adapter,
      InetSocketAddress devices) throws Exception {
    return RemoteHandlerGateway.builder()
        .handlerAddress(handlerUrl)                       // handler.address
        .callbackTimeout(Duration.ofSeconds(10))          // handler.timeout
        .adapterBind(adapter)                             // server.bind
        .listener(TcpListener.builder().name("tcp").bind(devices))
        .gateway(settings -> settings.idleTimeout(Duration.ofSeconds(30)))
        .build()
        .start();
  }
}
