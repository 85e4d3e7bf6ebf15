package io.exproto.bench;

import io.exproto.grpc.v1.ConnectionUnaryHandlerGrpc;
import io.exproto.grpc.v1.EmptySuccess;
import io.exproto.grpc.v1.ReceivedBytesRequest;
import io.exproto.grpc.v1.ReceivedMessagesRequest;
import io.exproto.grpc.v1.SocketClosedRequest;
import io.exproto.grpc.v1.SocketCreatedRequest;
import io.exproto.grpc.v1.TimerTimeoutRequest;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;

/**
 * The bench's remote echo handler ({@code ConnectionUnaryHandler}): see {@link EchoFlow}. Each
 * callback is answered once its adapter calls have answered. Thread-safe.
 */
final class BenchEchoHandler extends ConnectionUnaryHandlerGrpc.ConnectionUnaryHandlerImplBase {
  private static final EmptySuccess OK = EmptySuccess.getDefaultInstance();
  private final EchoFlow flow;

  BenchEchoHandler(EchoFlow flow) {
    this.flow = flow;
  }

  @Override
  public void onSocketCreated(SocketCreatedRequest request, StreamObserver<EmptySuccess> r) {
    EchoFlow.answer(r, OK, flow.socketCreated(request.getConn()));
  }

  @Override
  public void onReceivedBytes(ReceivedBytesRequest request, StreamObserver<EmptySuccess> r) {
    EchoFlow.answer(r, OK, flow.receivedBytes(request.getConn(), request.getBytes()));
  }

  @Override
  public void onReceivedMessages(ReceivedMessagesRequest request,
      StreamObserver<EmptySuccess> r) {
    EchoFlow.answer(r, OK, flow.receivedMessages(request.getConn(), request.getMessagesList()));
  }

  @Override
  public void onTimerTimeout(TimerTimeoutRequest request, StreamObserver<EmptySuccess> r) {
    EchoFlow.answer(r, OK, CompletableFuture.completedFuture(null));
  }

  @Override
  public void onSocketClosed(SocketClosedRequest request, StreamObserver<EmptySuccess> r) {
    EchoFlow.answer(r, OK, flow.socketClosed(request.getConn()));
  }
}
