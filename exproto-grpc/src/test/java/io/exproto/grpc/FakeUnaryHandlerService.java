package io.exproto.grpc;

import io.exproto.grpc.v1.ConnectionUnaryHandlerGrpc;
import io.exproto.grpc.v1.EmptySuccess;
import io.exproto.grpc.v1.ReceivedBytesRequest;
import io.exproto.grpc.v1.ReceivedMessagesRequest;
import io.exproto.grpc.v1.SocketClosedRequest;
import io.exproto.grpc.v1.SocketCreatedRequest;
import io.exproto.grpc.v1.TimerTimeoutRequest;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A fake remote {@code ConnectionUnaryHandler}: records every request and answers as
 * {@link #responder} says (default: OK at once).
 */
final class FakeUnaryHandlerService extends ConnectionUnaryHandlerGrpc.ConnectionUnaryHandlerImplBase {
  final List<Object> requests = new CopyOnWriteArrayList<>();
  /** Calls answered neither OK nor with an error, in arrival order. */
  final LinkedBlockingQueue<StreamObserver<EmptySuccess>> held = new LinkedBlockingQueue<>();
  volatile Consumer<StreamObserver<EmptySuccess>> responder = FakeUnaryHandlerService::ok;

  static void ok(StreamObserver<EmptySuccess> observer) {
    observer.onNext(EmptySuccess.getDefaultInstance());
    observer.onCompleted();
  }

  void failWith(Status status) {
    responder = observer -> observer.onError(status.asRuntimeException());
  }

  void hold() {
    responder = held::add;
  }

  StreamObserver<EmptySuccess> nextHeld() throws InterruptedException {
    StreamObserver<EmptySuccess> observer = held.poll(5, TimeUnit.SECONDS);
    if (observer == null) {
      throw new AssertionError("no call arrived within 5 s");
    }
    return observer;
  }

  <T> T onlyRequest(Class<T> type) {
    if (requests.size() != 1) {
      throw new AssertionError("expected one request, got " + requests);
    }
    return type.cast(requests.get(0));
  }

  private void handle(Object request, StreamObserver<EmptySuccess> observer) {
    requests.add(request);
    responder.accept(observer);
  }

  @Override
  public void onSocketCreated(SocketCreatedRequest request, StreamObserver<EmptySuccess> observer) {
    handle(request, observer);
  }

  @Override
  public void onSocketClosed(SocketClosedRequest request, StreamObserver<EmptySuccess> observer) {
    handle(request, observer);
  }

  @Override
  public void onReceivedBytes(ReceivedBytesRequest request, StreamObserver<EmptySuccess> observer) {
    handle(request, observer);
  }

  @Override
  public void onTimerTimeout(TimerTimeoutRequest request, StreamObserver<EmptySuccess> observer) {
    handle(request, observer);
  }

  @Override
  public void onReceivedMessages(ReceivedMessagesRequest request,
      StreamObserver<EmptySuccess> observer) {
    handle(request, observer);
  }
}
