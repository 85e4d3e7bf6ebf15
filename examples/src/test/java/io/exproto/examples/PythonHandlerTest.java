package io.exproto.examples;

import io.exproto.grpc.GrpcHandler;
import io.exproto.handler.ConnectionHandler;

/**
 * The Python handler written for EMQX serving {@code ConnectionUnaryHandler} (the default
 * service), through {@link GrpcHandler#unary}. Skipped when {@code /usr/bin/python3} lacks grpcio
 * or grpc_tools ({@code .ci/run} installs them).
 */
class PythonHandlerTest extends AbstractPythonHandlerTest {

  @Override
  String service() {
    return "ConnectionUnaryHandler";
  }

  @Override
  ConnectionHandler handler(String url) {
    return GrpcHandler.unary(url);
  }
}
