package io.exproto.server.http;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** A test device speaking {@link ScriptedHandlerService}'s line protocol over TCP. */
final class LineDevice implements AutoCloseable {
  private final Socket socket;
  private final BufferedReader in;
  private final OutputStream out;

  LineDevice(InetSocketAddress address) throws IOException {
    socket = new Socket();
    socket.connect(address, 5000);
    socket.setSoTimeout(10_000);
    in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
        StandardCharsets.UTF_8));
    out = socket.getOutputStream();
  }

  /** Sends one command line and returns the reply line. */
  String call(String command) throws IOException {
    out.write((command + "\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
    return readLine();
  }

  /** Authenticates; fails unless the handler answered ok. */
  LineDevice auth(String clientId, String username) throws IOException {
    String r = call("auth " + clientId + " " + username);
    if (!r.equals("ok")) {
      throw new IOException("auth " + clientId + ": " + r);
    }
    return this;
  }

  String readLine() throws IOException {
    String line = in.readLine();
    if (line == null) {
      throw new IOException("closed by the gateway");
    }
    return line;
  }

  /** True once the gateway closed the socket (within the read timeout). */
  boolean awaitClosedByGateway() throws IOException {
    try {
      while (true) {
        if (in.readLine() == null) {
          return true;
        }
      }
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
