package io.exproto.grpc;

import io.exproto.grpc.v1.ConnectionHandlerGrpc;
import io.exproto.grpc.v1.EmptySuccess;
import io.exproto.grpc.v1.ReceivedBytesRequest;
import io.exproto.grpc.v1.ReceivedMessagesRequest;
import io.exproto.grpc.v1.SocketClosedRequest;
import io.exproto.grpc.v1.SocketCreatedRequest;
import io.exproto.grpc.v1.TimerTimeoutRequest;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A fake remote streaming {@code ConnectionHandler}: records every stream the gateway opens and
 * every message on it. By default a stream reads everything and answers a half-close with
 * {@code EmptySuccess}. With {@link #manualFlowControl} set, new streams read nothing until the
 * test calls {@link FakeStream#request(int)}; with {@link #failFirstMessage} set, new streams fail
 * with that status on their first message.
 */
final class StreamingFakeHandlerService extends ConnectionHandlerGrpc.ConnectionHandlerImplBase {

  /** Every stream opened, in order. */
  final List<FakeStream> streams = new CopyOnWriteArrayList<>();
  /** Streams as they open, for tests that wait for one. */
  final LinkedBlockingQueue<FakeStream> opened = new LinkedBlockingQueue<>();
  volatile boolean manualFlowControl;
  volatile Status failFirstMessage;

  /** One client stream as the service sees it. */
  static final class FakeStream {
    final String method;
    final ServerCallStreamObserver<EmptySuccess> response;
    private final List<Object> received = new ArrayList<>();
    /** Completes when the client half-closes the stream. */
    final CompletableFuture<Void> halfClosed = new CompletableFuture<>();
    /** Completes when the stream is cancelled by the client or fails. */
    final CompletableFuture<Throwable> cancelled = new CompletableFuture<>();
    private final Status failFirst;

    FakeStream(String method, ServerCallStreamObserver<EmptySuccess> response, Status failFirst) {
      this.method = method;
      this.response = response;
      this.failFirst = failFirst;
    }

    /** A copy of the messages received so far, in order. */
    synchronized List<Object> received() {
      return List.copyOf(received);
    }

    synchronized int receivedCount() {
      return received.size();
    }

    /** Lets {@code n} more messages in (with manual flow control). */
    void request(int n) {
      response.request(n);
    }

    /** Ends the stream with an error status, as a failing service would. */
    void fail(Status status) {
      response.onError(status.asRuntimeException());
    }

    /** Ends the stream successfully before the client half-closed it. */
    void complete() {
      response.onNext(EmptySuccess.getDefaultInstance());
      response.onCompleted();
    }

    private void onMessage(Object message) {
      boolean first;
      synchronized (this) {
        received.add(message);
        first = received.size() == 1;
      }
      if (first && failFirst != null) {
        fail(failFirst);
      }
    }

    @Override
    public String toString() {
      return "FakeStream[" + method + ", " + receivedCount() + " received]";
    }
  }

  /** The streams opened for {@code method} (e.g. {@code OnReceivedBytes}), in order. */
  List<FakeStream> streams(String method) {
    return streams.stream().filter(s -> s.method.equals(method)).toList();
  }

  /** The one stream opened for {@code method}. */
  FakeStream onlyStream(String method) {
    List<FakeStream> matching = streams(method);
    if (matching.size() != 1) {
      throw new AssertionError("expected one " + method + " stream, got " + streams);
    }
    return matching.get(0);
  }

  /** The next stream to open, waiting up to 5 seconds. */
  FakeStream nextOpened() throws InterruptedException {
    FakeStream stream = opened.poll(5, TimeUnit.SECONDS);
    if (stream == null) {
      throw new AssertionError("no stream opened within 5 s");
    }
    return stream;
  }

  private StreamObserver<Object> open(String method, StreamObserver<EmptySuccess> observer) {
    ServerCallStreamObserver<EmptySuccess> response =
        (ServerCallStreamObserver<EmptySuccess>) observer;
    if (manualFlowControl) {
      response.disableAutoRequest();
    }
    FakeStream stream = new FakeStream(method, response, failFirstMessage);
    streams.add(stream);
    opened.add(stream);
    return new StreamObserver<>() {
      @Override
      public void onNext(Object message) {
        stream.onMessage(message);
      }

      @Override
      public void onError(Throwable t) {
        stream.cancelled.complete(t);
      }

      @Override
      public void onCompleted() {
        stream.halfClosed.complete(null);
        try {
          stream.response.onNext(EmptySuccess.getDefaultInstance());
          stream.response.onCompleted();
        } catch (IllegalStateException alreadyClosed) {
          // the test ended the stream itself
        }
      }
    };
  }

  @SuppressWarnings("unchecked")
  private static <T> StreamObserver<T> typed(StreamObserver<Object> observer) {
    return (StreamObserver<T>) (StreamObserver<?>) observer;
  }

  @Override
  public StreamObserver<SocketCreatedRequest> onSocketCreated(
      StreamObserver<EmptySuccess> observer) {
    return typed(open("OnSocketCreated", observer));
  }

  @Override
  public StreamObserver<SocketClosedRequest> onSocketClosed(StreamObserver<EmptySuccess> observer) {
    return typed(open("OnSocketClosed", observer));
  }

  @Override
  public StreamObserver<ReceivedBytesRequest> onReceivedBytes(
      StreamObserver<EmptySuccess> observer) {
    return typed(open("OnReceivedBytes", observer));
  }

  @Override
  public StreamObserver<TimerTimeoutRequest> onTimerTimeout(StreamObserver<EmptySuccess> observer) {
    return typed(open("OnTimerTimeout", observer));
  }

  @Override
  public StreamObserver<ReceivedMessagesRequest> onReceivedMessages(
      StreamObserver<EmptySuccess> observer) {
    return typed(open("OnReceivedMessages", observer));
  }
}
