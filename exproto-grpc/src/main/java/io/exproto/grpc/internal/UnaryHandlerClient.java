package io.exproto.grpc.internal;

import io.exproto.grpc.v1.ConnectionUnaryHandlerGrpc;
import io.exproto.grpc.v1.EmptySuccess;
import io.exproto.grpc.v1.ReceivedBytesRequest;
import io.exproto.grpc.v1.SocketClosedRequest;
import io.exproto.grpc.v1.SocketCreatedRequest;
import io.exproto.grpc.v1.TimerTimeoutRequest;
import io.exproto.handler.CallbackFailedException;
import io.exproto.handler.ConnInfo;
import io.exproto.handler.ConnectionHandler;
import io.exproto.handler.Message;
import io.exproto.handler.TimerType;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The unary binding: each callback is one unary call of {@code emqx.exproto.v1.ConnectionUnaryHandler}
 * with a deadline ({@link CallDeadlines}, not gRPC's own). Cancelling a returned stage cancels its
 * call. Internal: use {@link io.exproto.grpc.GrpcHandler}. Thread-safe.
 */
public final class UnaryHandlerClient implements ConnectionHandler, AutoCloseable {
  private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

  private final ManagedChannel channel;
  private final boolean ownsChannel;
  private final long callbackTimeoutNanos;
  private final CallDeadlines deadlines;
  private final AtomicBoolean closed = new AtomicBoolean();
  private static final long BACKOFF_RESET_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
  private final AtomicLong lastBackoffReset =
      new AtomicLong(System.nanoTime() - BACKOFF_RESET_INTERVAL_NANOS);

  /**
   * @param channel the channel to the handler service
   * @param ownsChannel true to shut the channel down on {@link #close()}
   * @param callbackTimeout the deadline of every call, kept to within a tick of {@link
   *     CallDeadlines}; a call whose returned stage is cancelled is cancelled too
   */
  public UnaryHandlerClient(ManagedChannel channel, boolean ownsChannel, Duration callbackTimeout) {
    this.channel = channel;
    this.ownsChannel = ownsChannel;
    this.callbackTimeoutNanos = callbackTimeout.toNanos();
    this.deadlines = new CallDeadlines(callbackTimeout);
  }

  @Override
  public CompletionStage<Void> onSocketCreated(String conn, ConnInfo connInfo) {
    try {
      return call(ConnectionUnaryHandlerGrpc.getOnSocketCreatedMethod(),
          SocketCreatedRequest.newBuilder()
              .setConn(conn)
              .setConninfo(ProtoTranslation.toProto(connInfo))
              .build());
    } catch (RuntimeException e) {
      return CompletableFuture.failedStage(e);
    }
  }

  @Override
  public CompletionStage<Void> onReceivedBytes(String conn, byte[] bytes) {
    try {
      // The array belongs to the handler (ConnectionHandler's contract): no copy needed.
      return call(ConnectionUnaryHandlerGrpc.getOnReceivedBytesMethod(),
          ReceivedBytesRequest.newBuilder()
              .setConn(conn)
              .setBytes(ProtoTranslation.wrap(bytes))
              .build());
    } catch (RuntimeException e) {
      return CompletableFuture.failedStage(e);
    }
  }

  @Override
  public CompletionStage<Void> onTimerTimeout(String conn, TimerType type) {
    try {
      return call(ConnectionUnaryHandlerGrpc.getOnTimerTimeoutMethod(),
          TimerTimeoutRequest.newBuilder()
              .setConn(conn)
              .setType(ProtoTranslation.toProto(type))
              .build());
    } catch (RuntimeException e) {
      return CompletableFuture.failedStage(e);
    }
  }

  @Override
  public CompletionStage<Void> onReceivedMessages(String conn, List<Message> messages) {
    try {
      return call(ConnectionUnaryHandlerGrpc.getOnReceivedMessagesMethod(),
          ProtoTranslation.toReceivedMessagesRequest(conn, messages));
    } catch (RuntimeException e) {
      return CompletableFuture.failedStage(e);
    }
  }

  @Override
  public CompletionStage<Void> onSocketClosed(String conn, String reason) {
    try {
      return call(ConnectionUnaryHandlerGrpc.getOnSocketClosedMethod(),
          SocketClosedRequest.newBuilder().setConn(conn).setReason(reason).build());
    } catch (RuntimeException e) {
      return CompletableFuture.failedStage(e);
    }
  }

  private <R> CompletionStage<Void> call(MethodDescriptor<R, EmptySuccess> method, R request) {
    Answer answer = new Answer();
    // A call inherits the current Context when created; if that is a server call's context (a
    // callback issued while an adapter call is served), the call would be cancelled as soon as
    // the server call completes. Context.ROOT cuts that link.
    Context previous = Context.ROOT.attach();
    ClientCall<R, EmptySuccess> call = null;
    try {
      // No gRPC deadline: CallDeadlines times the call (see there why).
      call = channel.newCall(method, CallOptions.DEFAULT);
      deadlines.track(call, answer.stage);
      call.start(answer, new Metadata());
      // Two, as gRPC's own stubs ask, so a second answer is read (and ignored) instead of
      // holding back the call's end.
      call.request(2);
      call.sendMessage(request);
      call.halfClose();
    } catch (RuntimeException e) {
      if (call != null) {
        call.cancel(null, e);
      }
      // Whichever report comes first wins: this or the listener's close after the cancel.
      answer.fail(Status.fromThrowable(e), e);
    } finally {
      Context.ROOT.detach(previous);
    }
    return answer.stage;
  }

  /**
   * The listener of one call: completes {@link #stage} when the call closes, normally for status
   * OK and with a {@link CallbackFailedException} otherwise. The failure's reason is the status
   * code's name in lower case ({@code unavailable}, {@code deadline_exceeded}, ...), which goes
   * into the connection's close reason {@code {shutdown,{error,{on_<callback>,<reason>}}}}. A
   * plain listener: gRPC's stub would wrap it in two adapters and an observer per call.
   */
  private final class Answer extends ClientCall.Listener<EmptySuccess> {
    final CompletableFuture<Void> stage = new CompletableFuture<>();

    @Override
    public void onClose(Status status, Metadata trailers) {
      if (status.isOk()) {
        stage.complete(null);
      } else {
        fail(status, status.asRuntimeException(trailers));
      }
    }

    void fail(Status status, Throwable cause) {
      String reason = status.getCode().name().toLowerCase(Locale.ROOT);
      stage.completeExceptionally(new CallbackFailedException(reason, cause));
      if (ownsChannel && status.getCode() == Status.Code.UNAVAILABLE) {
        retryConnectionSoon();
      }
    }
  }

  /**
   * After failed connection attempts gRPC waits longer and longer (up to two minutes) before the
   * next one, and fails calls at once meanwhile: a handler that comes back would be ignored for
   * that long. While callbacks keep failing as unavailable, let the channel try again at most
   * once a second instead.
   */
  private void retryConnectionSoon() {
    long now = System.nanoTime();
    long last = lastBackoffReset.get();
    if (now - last >= BACKOFF_RESET_INTERVAL_NANOS && lastBackoffReset.compareAndSet(last, now)) {
      channel.resetConnectBackoff();
    }
  }

  /**
   * Shuts down the channel if this handler created it (waiting up to 5 seconds for calls in
   * progress, then cancelling them); a channel passed to the constructor is left to its
   * owner. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true) || !ownsChannel) {
      return;
    }
    HandlerChannels.shutdown(channel, CLOSE_GRACE);
  }

  @Override
  public String toString() {
    return "ConnectionUnaryHandler at " + channel.authority() + ", callbackTimeout="
        + Duration.ofNanos(callbackTimeoutNanos);
  }
}
