package io.exproto.transport.netty;

import io.exproto.handler.SocketType;
import io.exproto.transport.AbstractTransportConformanceTest;
import io.exproto.transport.TransportListener;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;

/** {@link AbstractTransportConformanceTest} for a plain {@code tcp} {@link TcpListener}. */
class TcpTransportConformanceTest extends AbstractTransportConformanceTest {

  final NettyTransport transport = NettyTransport.createNio(2);

  @AfterAll
  void closeTransport() {
    transport.close();
  }

  @Override
  protected TransportListener newListener(int port) {
    return TcpListener.builder().name("conformance").bind("127.0.0.1", port)
        .transport(transport).build();
  }

  @Override
  protected TestClient connect(InetSocketAddress address) throws Exception {
    Socket socket = new Socket();
    socket.connect(address, 5000);
    return client(socket);
  }

  @Override
  protected SocketType expectedSocketType() {
    return SocketType.TCP;
  }

  @Override
  protected String expectedPeerCloseReason() {
    return "tcp_closed";
  }

  @Override
  protected boolean datagram() {
    return false;
  }

  /** A stream client over a connected (plain or TLS) socket. */
  static TestClient client(Socket socket) {
    return new TestClient() {
      @Override
      public void send(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
      }

      @Override
      public byte[] receive(int bytes, Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        try {
          return socket.getInputStream().readNBytes(bytes);
        } catch (java.net.SocketTimeoutException timedOut) {
          throw timedOut;
        } catch (IOException resetOrAlert) {
          return new byte[0]; // the end, less politely
        }
      }

      @Override
      public InetSocketAddress localAddress() {
        return new InetSocketAddress(socket.getLocalAddress(), socket.getLocalPort());
      }

      @Override
      public void close() throws IOException {
        socket.close();
      }
    };
  }
}
