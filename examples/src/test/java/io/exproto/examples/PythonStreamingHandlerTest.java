package io.exproto.examples;

import io.exproto.grpc.GrpcHandler;
import io.exproto.handler.ConnectionHandler;
import java.util.regex.Pattern;

/**
 * The Python handler written for EMQX serving the older streaming {@code ConnectionHandler}
 * service, through {@link GrpcHandler#streaming}. Skipped when {@code /usr/bin/python3} lacks
 * grpcio or grpc_tools ({@code .ci/run} installs them).
 */
class PythonStreamingHandlerTest extends AbstractPythonHandlerTest {

  @Override
  String service() {
    return "ConnectionHandler";
  }

  @Override
  ConnectionHandler handler(String url) {
    return GrpcHandler.streaming(url);
  }

  /** One stream per callback type: OnSocketClosed may be handled before OnTimerTimeout. */
  @Override
  boolean keepsOrderAcrossCallbackTypes() {
    return false;
  }

  /** ...and then the handler has already forgotten the client id when it prints the timeout. */
  @Override
  String timerClientId(String clientId) {
    return "(" + Pattern.quote(clientId) + "|None)";
  }
}
