package io.exproto.examples;

import io.exproto.gateway.Gateway;
import io.exproto.server.EchoHandler;
import io.exproto.transport.netty.TcpListener;

/**
 * Embeds an ExProto gateway in a JVM application: one TCP listener, an in-process handler, the
 * in-memory broker. Try it with {@code telnet 127.0.0.1 7993}: what you type comes back.
 */
public final class EmbeddedGatewayExample {
  private EmbeddedGatewayExample() {}

  /** Starts the gateway; it runs until the JVM is stopped. */
  public static void main(String[] args) throws Exception {
    Gateway gateway = Gateway.builder()
        .listener(TcpListener.builder().name("tcp").bind("0.0.0.0", 7993).build())
        .handler(EchoHandler::new) // your protocol logic: a ConnectionHandler
        .build()
        .start();
    int port = gateway.listenerAddresses().get("tcp").getPort();
    System.out.println("exproto gateway listening on 0.0.0.0:" + port);

    // Graceful stop: closes connections, lets their last callbacks run, releases the port.
    Runtime.getRuntime().addShutdownHook(new Thread(gateway::close, "exproto-shutdown"));
  }
}
