package io.exproto.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

/**
 * A device over a real TCP socket, for end-to-end tests: send bytes, read what the gateway
 * writes, detect when the gateway closes. Blocking, with bounded waits; one thread at a time.
 */
public final class TcpTestDevice implements AutoCloseable {
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final ByteArrayOutputStream buffered = new ByteArrayOutputStream();
  private boolean eof;

  private TcpTestDevice(Socket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  /** Connects to {@code address} within 5 s. */
  public static TcpTestDevice connect(InetSocketAddress address) throws IOException {
    Socket s = new Socket();
    s.setTcpNoDelay(true);
    s.connect(address, 5000);
    return new TcpTestDevice(s);
  }

  /** Writes bytes and flushes. */
  public TcpTestDevice send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
    return this;
  }

  /** Writes the UTF-8 bytes of {@code text}. */
  public TcpTestDevice send(String text) throws IOException {
    return send(text.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Reads exactly {@code n} bytes.
   *
   * @throws SocketTimeoutException if they do not arrive within {@code timeout}
   * @throws IOException if the gateway closed first
   */
  public byte[] read(int n, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    byte[] chunk = new byte[8192];
    while (buffered.size() < n) {
      if (eof) {
        throw new IOException("the gateway closed the connection after " + buffered.size()
            + " of " + n + " bytes");
      }
      int left = (int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
      if (System.nanoTime() >= deadline) {
        throw new SocketTimeoutException("read " + buffered.size() + " of " + n + " bytes in "
            + timeout);
      }
      socket.setSoTimeout(left);
      int r;
      try {
        r = in.read(chunk);
      } catch (SocketTimeoutException e) {
        continue;
      }
      if (r < 0) {
        eof = true;
      } else {
        buffered.write(chunk, 0, r);
      }
    }
    byte[] all = buffered.toByteArray();
    buffered.reset();
    buffered.write(all, n, all.length - n);
    return Arrays.copyOf(all, n);
  }

  /** Reads exactly as many bytes as {@code expected} has, as UTF-8 text. */
  public String readText(int bytes, Duration timeout) throws IOException {
    return new String(read(bytes, timeout), StandardCharsets.UTF_8);
  }

  /**
   * Waits until the gateway closes the connection, discarding bytes that arrive meanwhile.
   *
   * @return true if closed within {@code timeout}
   */
  public boolean awaitClosedByGateway(Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    byte[] chunk = new byte[8192];
    while (!eof) {
      long leftMs = (deadline - System.nanoTime()) / 1_000_000;
      if (leftMs <= 0) {
        return false;
      }
      socket.setSoTimeout((int) Math.max(1, leftMs));
      try {
        int r = in.read(chunk);
        if (r < 0) {
          eof = true;
        }
      } catch (SocketTimeoutException e) {
        // loop and check the deadline
      } catch (IOException e) {
        eof = true; // reset by the gateway counts as closed
      }
    }
    return true;
  }

  /** Closes abruptly with a TCP reset (SO_LINGER 0). */
  public void reset() throws IOException {
    socket.setSoLinger(true, 0);
    socket.close();
  }

  /** The device's local address. */
  public InetSocketAddress localAddress() {
    return (InetSocketAddress) socket.getLocalSocketAddress();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
