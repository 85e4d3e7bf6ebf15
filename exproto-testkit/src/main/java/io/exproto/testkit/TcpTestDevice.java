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
import java.util.function.Supplier;

/**
 * A device over a real TCP socket, for end-to-end tests: send bytes, read what the gateway
 * writes (a number of bytes, up to a delimiter, or a line), detect when the gateway closes.
 * Blocking, with bounded waits; one thread at a time.
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
    while (buffered.size() < n) {
      fill(deadline, () -> "read " + buffered.size() + " of " + n + " bytes in " + timeout,
          () -> "after " + buffered.size() + " of " + n + " bytes");
    }
    return take(n, 0);
  }

  /**
   * Reads up to and including the first {@code delimiter}, and returns what came before it (the
   * delimiter is consumed, not returned); bytes after it stay buffered for the next read.
   *
   * @throws SocketTimeoutException if no delimiter arrives within {@code timeout}
   * @throws IOException if the gateway closed first
   * @throws IllegalArgumentException if {@code delimiter} is empty
   */
  public byte[] readUntil(byte[] delimiter, Duration timeout) throws IOException {
    if (delimiter.length == 0) {
      throw new IllegalArgumentException("the delimiter must not be empty");
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    int at;
    while ((at = indexOf(buffered.toByteArray(), delimiter)) < 0) {
      fill(deadline, () -> "no delimiter within " + timeout + " (" + buffered.size()
              + " bytes buffered)",
          () -> "before a delimiter (" + buffered.size() + " bytes buffered)");
    }
    return take(at, delimiter.length);
  }

  /**
   * Reads one line, ended by {@code \n} or {@code \r\n}, as UTF-8 text without its ending:
   * what a device sees from a handler that answers in lines.
   *
   * @throws SocketTimeoutException if no whole line arrives within {@code timeout}
   * @throws IOException if the gateway closed first
   */
  public String readLine(Duration timeout) throws IOException {
    byte[] line = readUntil(new byte[] {'\n'}, timeout);
    int n = line.length > 0 && line[line.length - 1] == '\r' ? line.length - 1 : line.length;
    return new String(line, 0, n, StandardCharsets.UTF_8);
  }

  /** Reads once from the socket into the buffer, waiting at most until {@code deadline}. */
  private void fill(long deadline, Supplier<String> timedOut,
      Supplier<String> closedWhen) throws IOException {
    if (eof) {
      throw new IOException("the gateway closed the connection " + closedWhen.get());
    }
    if (System.nanoTime() >= deadline) {
      throw new SocketTimeoutException(timedOut.get());
    }
    int left = (int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
    socket.setSoTimeout(left);
    byte[] chunk = new byte[8192];
    int r;
    try {
      r = in.read(chunk);
    } catch (SocketTimeoutException e) {
      return;
    }
    if (r < 0) {
      eof = true;
    } else {
      buffered.write(chunk, 0, r);
    }
  }

  /** The first {@code n} buffered bytes; drops {@code skip} more; keeps the rest buffered. */
  private byte[] take(int n, int skip) {
    byte[] all = buffered.toByteArray();
    buffered.reset();
    buffered.write(all, n + skip, all.length - n - skip);
    return Arrays.copyOf(all, n);
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
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
