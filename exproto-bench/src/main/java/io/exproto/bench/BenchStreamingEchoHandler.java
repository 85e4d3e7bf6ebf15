package io.exproto.bench;

import io.exproto.grpc.v1.ConnectionHandlerGrpc;
import io.exproto.grpc.v1.EmptySuccess;
import io.exproto.grpc.v1.ReceivedBytesRequest;
import io.exproto.grpc.v1.ReceivedMessagesRequest;
import io.exproto.grpc.v1.SocketClosedRequest;
import io.exproto.grpc.v1.SocketCreatedRequest;
import io.exproto.grpc.v1.TimerTimeoutRequest;
import io.grpc.stub.StreamObserver;
import java.util.function.Consumer;

/**
 * The bench's remote echo handler in the streaming form ({@code ConnectionHandler}): one
 * long-lived client stream per callback type; the same adapter calls as {@link BenchEchoHandler},
 * ordered per connection ({@link EchoFlow}). Thread-safe.
 */
final class BenchStreamingEchoHandler extends ConnectionHandlerGrpc.ConnectionHandlerImplBase {
  private final EchoFlow flow;

  BenchStreamingEchoHandler(EchoFlow flow) {
    this.flow = flow;
  }

  @Override
  public StreamObserver<SocketCreatedRequest> onSocketCreated(StreamObserver<EmptySuccess> r) {
    return stream(r, req -> flow.socketCreated(req.getConn()));
  }

  @Override
  public StreamObserver<SocketClosedRequest> onSocketClosed(StreamObserver<EmptySuccess> r) {
    return stream(r, req -> flow.socketClosed(req.getConn()));
  }

  @Override
  public StreamObserver<ReceivedBytesRequest> onReceivedBytes(StreamObserver<EmptySuccess> r) {
    return stream(r, req -> flow.receivedBytes(req.getConn(), req.getBytes()));
  }

  @Override
  public StreamObserver<TimerTimeoutRequest> onTimerTimeout(StreamObserver<EmptySuccess> r) {
    return stream(r, req -> { });
  }

  @Override
  public StreamObserver<ReceivedMessagesRequest> onReceivedMessages(
      StreamObserver<EmptySuccess> r) {
    return stream(r, req -> flow.receivedMessages(req.getConn(), req.getMessagesList()));
  }

  private static <T> StreamObserver<T> stream(StreamObserver<EmptySuccess> response,
      Consumer<T> each) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        each.accept(value);
      }

      @Override
      public void onError(Throwable t) {
        // the gateway went away; it reopens the stream
      }

      @Override
      public void onCompleted() {
        response.onNext(EmptySuccess.getDefaultInstance());
        response.onCompleted();
      }
    };
  }
}
