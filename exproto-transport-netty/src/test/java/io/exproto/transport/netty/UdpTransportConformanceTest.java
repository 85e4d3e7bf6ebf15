package io.exproto.transport.netty;

import io.exproto.handler.SocketType;
import io.exproto.transport.AbstractTransportConformanceTest;
import io.exproto.transport.TransportListener;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;

/** {@link AbstractTransportConformanceTest} for a {@link UdpListener}, with a JDK socket. */
class UdpTransportConformanceTest extends AbstractTransportConformanceTest {

  private final NettyTransport transport = NettyTransport.createNio(2);

  @AfterAll
  void closeTransport() {
    transport.close();
  }

  @Override
  protected TransportListener newListener(int port) {
    return UdpListener.builder().name("conformance").bind("127.0.0.1", port)
        .transport(transport).build();
  }

  @Override
  protected TestClient connect(InetSocketAddress address) throws IOException {
    DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
    return new TestClient() {
      @Override
      public void send(byte[] bytes) throws IOException {
        socket.send(new DatagramPacket(bytes, bytes.length, address));
      }

      @Override
      public byte[] receive(int bytes, Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        DatagramPacket packet = new DatagramPacket(new byte[65536], 65536);
        socket.receive(packet);
        return Arrays.copyOf(packet.getData(), packet.getLength());
      }

      @Override
      public InetSocketAddress localAddress() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
      }

      @Override
      public void close() {
        socket.close();
      }
    };
  }

  @Override
  protected SocketType expectedSocketType() {
    return SocketType.UDP;
  }

  /** A UDP peer sends nothing when it goes away. */
  @Override
  protected String expectedPeerCloseReason() {
    return null;
  }

  @Override
  protected boolean datagram() {
    return true;
  }
}
