package io.exproto.grpc.internal;

import io.exproto.grpc.v1.ConnectionHandlerGrpc;
import io.exproto.grpc.v1.EmptySuccess;
import io.exproto.grpc.v1.ReceivedBytesRequest;
import io.exproto.grpc.v1.ReceivedMessagesRequest;
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
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ConnectionHandler} that calls a remote handler service's <em>streaming</em>
 * {@code emqx.exproto.v1.ConnectionHandler} service, the older form EMQX still supports. Not API:
 * users reach it through {@code io.exproto.grpc.GrpcHandler}; this class may change at any time.
 *
 * <h2>Streams</h2>
 * As EMQX does, the client keeps one long-lived client stream per callback type
 * ({@code OnSocketCreated}, {@code OnSocketClosed}, {@code OnReceivedBytes},
 * {@code OnTimerTimeout}, {@code OnReceivedMessages}) on the channel, opened on the first callback
 * of that type, and writes each callback as one message on it. Streams are started under
 * {@link Context#ROOT} (a callback issued while the gateway serves an adapter call must not be
 * cancelled when that call ends) and without a deadline. Order is kept per callback type, so per
 * connection within a type; across types it cannot be (docs/behaviour.md, Callback ordering), which is one reason the unary
 * form is the default.
 *
 * <h2>Delivery is at most once</h2>
 * A callback's stage completes normally as soon as its message has been handed to the stream
 * ({@link io.grpc.stub.StreamObserver#onNext}): the protocol has no per-message answer, so nothing
 * says whether the handler service has processed it. If the stream fails afterwards, messages
 * written before the failure may have been lost without anyone knowing. That is inherent to the
 * streaming form and the main reason the unary form ({@code ConnectionUnaryHandler}) is the
 * default. What this client does guarantee is that no callback is lost <em>silently</em> once it
 * is known not to have been written: its stage fails and the gateway closes the connection with
 * a reason.
 *
 * <h2>Flow control and memory</h2>
 * A message is written only while the stream {@linkplain ClientCallStreamObserver#isReady() is
 * ready}. Otherwise it waits in the stream's queue, in order, and its stage completes when the
 * stream becomes ready and the message is written. The queue holds at most
 * {@code maxQueuedPerStream} messages; a callback that finds it full fails at once with a
 * {@link CallbackFailedException} of reason {@code resource_exhausted}. A queued message whose
 * stage was completed by someone else (cancelled) is dropped, not written.
 *
 * <h2>Failure and reopening</h2>
 * When the handler service ends a stream (an error status, or completing it before the client
 * half-closed) the stream is broken: every message still queued fails with reason
 * {@code unavailable}, and the failure is logged at warn once. The next callback of that type
 * opens a new stream, but not before a backoff has passed since the failure; callbacks in the
 * backoff fail at once with reason {@code unavailable} (the cause is the stream's failure). The
 * backoff starts at 100 ms (or the cap, if smaller) and doubles with each failure of a stream that
 * did not work, up to the cap; a stream <em>worked</em> if it carried at least one message and
 * stayed open at least as long as the backoff before it, and the failure of such a stream starts
 * again at 100 ms. (So a service that fails every stream at once, e.g. one that does not implement
 * the streaming service, is retried less and less often, losing one written message per retry.)
 * A message whose write throws fails with reason {@code internal} and breaks the stream.
 *
 * <h2>Threading</h2>
 * Thread-safe. Each stream's state is guarded by its own monitor, held briefly; writes to one
 * stream are serialized under it ({@code onNext} only hands the message to the transport and does
 * not block). Stages are completed outside the monitor.
 *
 * <p>{@link #close()} half-closes every open stream (the service then answers), fails the
 * messages still queued with {@code unavailable}, and shuts the channel down if this client owns
 * it. Callbacks after that fail with {@code unavailable}.
 */
public final class StreamingHandlerClient implements ConnectionHandler, AutoCloseable {

  /** The default cap of the reopen backoff. */
  public static final Duration DEFAULT_MAX_REOPEN_BACKOFF = Duration.ofSeconds(10);

  /** The default number of messages a stream queues while it is not ready. */
  public static final int DEFAULT_MAX_QUEUED_PER_STREAM = 10_000;

  /** The first reopen backoff after a failure (or the cap, if that is smaller). */
  public static final Duration INITIAL_REOPEN_BACKOFF = Duration.ofMillis(100);

  private static final Logger log = LoggerFactory.getLogger(StreamingHandlerClient.class);
  private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

  private final ManagedChannel channel;
  private final boolean ownsChannel;
  private final long initialBackoffNanos;
  private final long maxBackoffNanos;
  private final int maxQueuedPerStream;
  private final LongSupplier nanoClock;
  private final AtomicBoolean closed = new AtomicBoolean();

  private final CallbackStream<SocketCreatedRequest> socketCreated;
  private final CallbackStream<SocketClosedRequest> socketClosed;
  private final CallbackStream<ReceivedBytesRequest> receivedBytes;
  private final CallbackStream<TimerTimeoutRequest> timerTimeout;
  private final CallbackStream<ReceivedMessagesRequest> receivedMessages;

  /**
   * A client with the default queue limit ({@value #DEFAULT_MAX_QUEUED_PER_STREAM}) and the
   * system's monotonic clock.
   *
   * @param channel the channel to the handler service
   * @param ownsChannel whether {@link #close()} shuts the channel down
   * @param maxReopenBackoff the cap of the reopen backoff, positive
   */
  public StreamingHandlerClient(ManagedChannel channel, boolean ownsChannel,
      Duration maxReopenBackoff) {
    this(channel, ownsChannel, maxReopenBackoff, DEFAULT_MAX_QUEUED_PER_STREAM, System::nanoTime);
  }

  /**
   * A client.
   *
   * @param channel the channel to the handler service
   * @param ownsChannel whether {@link #close()} shuts the channel down
   * @param maxReopenBackoff the cap of the reopen backoff, positive
   * @param maxQueuedPerStream how many messages each stream queues while it is not ready, at
   *     least 1
   * @param nanoClock monotonic time in nanoseconds (e.g. {@code System::nanoTime}), for the backoff
   * @throws IllegalArgumentException if a value is out of range
   */
  public StreamingHandlerClient(ManagedChannel channel, boolean ownsChannel,
      Duration maxReopenBackoff, int maxQueuedPerStream, LongSupplier nanoClock) {
    this.channel = Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(maxReopenBackoff, "maxReopenBackoff");
    if (maxReopenBackoff.isZero() || maxReopenBackoff.isNegative()) {
      throw new IllegalArgumentException(
          "the streaming handler's reopen backoff cap must be positive, was " + maxReopenBackoff);
    }
    if (maxQueuedPerStream < 1) {
      throw new IllegalArgumentException(
          "the streaming handler's queue limit per stream must be at least 1, was "
              + maxQueuedPerStream);
    }
    this.ownsChannel = ownsChannel;
    this.maxBackoffNanos = saturatedNanos(maxReopenBackoff);
    this.initialBackoffNanos = Math.min(INITIAL_REOPEN_BACKOFF.toNanos(), maxBackoffNanos);
    this.maxQueuedPerStream = maxQueuedPerStream;
    this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    this.socketCreated = new CallbackStream<>(ConnectionHandlerGrpc.getOnSocketCreatedMethod());
    this.socketClosed = new CallbackStream<>(ConnectionHandlerGrpc.getOnSocketClosedMethod());
    this.receivedBytes = new CallbackStream<>(ConnectionHandlerGrpc.getOnReceivedBytesMethod());
    this.timerTimeout = new CallbackStream<>(ConnectionHandlerGrpc.getOnTimerTimeoutMethod());
    this.receivedMessages =
        new CallbackStream<>(ConnectionHandlerGrpc.getOnReceivedMessagesMethod());
  }

  private static long saturatedNanos(Duration duration) {
    try {
      return duration.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  @Override
  public CompletionStage<Void> onSocketCreated(String conn, ConnInfo connInfo) {
    SocketCreatedRequest request;
    try {
      request = SocketCreatedRequest.newBuilder()
          .setConn(conn)
          .setConninfo(ProtoTranslation.toProto(connInfo))
          .build();
    } catch (RuntimeException e) {
      return CompletableFuture.failedStage(e);
    }
    return socketCreated.send(request);
  }

  @Override
  public CompletionStage<Void> onReceivedBytes(String conn, byte[] bytes) {
    ReceivedBytesRequest request;
    try {
      // The array belongs to the handler (ConnectionHandler's contract): no copy needed.
      request = ReceivedBytesRequest.newBuilder()
          .setConn(conn)
          .setBytes(ProtoTranslation.wrap(bytes))
          .build();
    } catch (RuntimeException e) {
      return CompletableFuture.failedStage(e);
    }
    return receivedBytes.send(request);
  }

  @Override
  public CompletionStage<Void> onTimerTimeout(String conn, TimerType type) {
    TimerTimeoutRequest request;
    try {
      request = TimerTimeoutRequest.newBuilder()
          .setConn(conn)
          .setType(ProtoTranslation.toProto(type))
          .build();
    } catch (RuntimeException e) {
      return CompletableFuture.failedStage(e);
    }
    return timerTimeout.send(request);
  }

  @Override
  public CompletionStage<Void> onReceivedMessages(String conn, List<Message> messages) {
    ReceivedMessagesRequest request;
    try {
      request = ProtoTranslation.toReceivedMessagesRequest(conn, messages);
    } catch (RuntimeException e) {
      return CompletableFuture.failedStage(e);
    }
    return receivedMessages.send(request);
  }

  @Override
  public CompletionStage<Void> onSocketClosed(String conn, String reason) {
    SocketClosedRequest request;
    try {
      request = SocketClosedRequest.newBuilder().setConn(conn).setReason(reason).build();
    } catch (RuntimeException e) {
      return CompletableFuture.failedStage(e);
    }
    return socketClosed.send(request);
  }

  /**
   * Half-closes every open stream, fails the messages still queued with {@code unavailable}, and,
   * if this client owns the channel, shuts it down (waiting up to 5 seconds for the streams to
   * finish, then cancelling them). Messages already written are not affected. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    List<Runnable> outcomes = new ArrayList<>();
    for (CallbackStream<?> stream : List.of(socketCreated, socketClosed, receivedBytes,
        timerTimeout, receivedMessages)) {
      stream.close(outcomes);
    }
    outcomes.forEach(Runnable::run);
    if (!ownsChannel) {
      return;
    }
    HandlerChannels.shutdown(channel, CLOSE_GRACE);
  }

  @Override
  public String toString() {
    return "StreamingHandlerClient[ConnectionHandler at " + channel.authority()
        + ", maxReopenBackoff=" + Duration.ofNanos(maxBackoffNanos)
        + ", maxQueuedPerStream=" + maxQueuedPerStream + "]";
  }

  /** A message waiting for its stream to become ready, and its callback's stage. */
  private record Pending<R>(R message, CompletableFuture<Void> future) {}

  /**
   * The long-lived stream of one callback type. All state is guarded by this object's monitor.
   * gRPC may call back into it on the writing thread (a direct executor and the in-process
   * transport do), while the monitor is held: {@link #writing} keeps such a call from writing
   * out of order, and {@link #current} tells a stale call's reports from the live one's.
   */
  private final class CallbackStream<R> {
    private final MethodDescriptor<R, EmptySuccess> method;
    private final String name;
    private final ArrayDeque<Pending<R>> queue = new ArrayDeque<>();
    private StreamCall current;
    private boolean writing;
    private boolean streamClosed;
    /** The backoff applied after the last failure; 0 before the first. */
    private long backoffNanos;
    private long reopenAtNanos;
    private Throwable lastFailure;

    CallbackStream(MethodDescriptor<R, EmptySuccess> method) {
      this.method = method;
      this.name = method.getBareMethodName();
    }

    /** Writes or queues {@code request}; never throws. */
    CompletionStage<Void> send(R request) {
      // Nobody else sees this future before it is returned, so completing it under the monitor
      // runs no one's code; other callbacks' stages are completed after it is released.
      CompletableFuture<Void> future = new CompletableFuture<>();
      List<Runnable> outcomes = new ArrayList<>(0);
      synchronized (this) {
        try {
          CallbackFailedException refused = ensureOpen(outcomes);
          if (refused == null) {
            drain(outcomes);
            if (queue.size() >= maxQueuedPerStream) {
              refused = new CallbackFailedException("resource_exhausted",
                  new IllegalStateException(name + " stream to the handler service is not ready"
                      + " and already holds " + queue.size() + " messages"));
            } else {
              queue.add(new Pending<>(request, future));
              drain(outcomes);
            }
          }
          if (refused != null) {
            future.completeExceptionally(refused);
          }
        } catch (RuntimeException e) {
          future.completeExceptionally(new CallbackFailedException("internal", e));
        }
      }
      outcomes.forEach(Runnable::run);
      return future;
    }

    /** Opens the stream if needed; the refusal if the callback cannot be sent now. */
    private CallbackFailedException ensureOpen(List<Runnable> outcomes) {
      if (streamClosed) {
        return new CallbackFailedException("unavailable",
            new IllegalStateException("the streaming handler client is closed"));
      }
      if (current != null) {
        return null;
      }
      if (lastFailure != null && nanoClock.getAsLong() - reopenAtNanos < 0) {
        return new CallbackFailedException("unavailable", lastFailure);
      }
      open(outcomes);
      // A call can fail while it starts (e.g. the channel is shut down).
      return current != null ? null : new CallbackFailedException("unavailable", lastFailure);
    }

    private void open(List<Runnable> outcomes) {
      StreamCall call = new StreamCall(nanoClock.getAsLong());
      current = call;
      log.debug("opening the {} stream to the handler service at {}", name, channel.authority());
      ClientCall<R, EmptySuccess> clientCall = null;
      // A call inherits the current Context; if that is a server call's context (a callback
      // issued while an adapter call is served), the stream would be cancelled as soon as the
      // server call completes. Context.ROOT cuts that link. No deadline: the stream is long-lived.
      Context previous = Context.ROOT.attach();
      try {
        clientCall = channel.newCall(method, CallOptions.DEFAULT);
        ClientCalls.asyncClientStreamingCall(clientCall, call);
      } catch (RuntimeException e) {
        ended(call, e, outcomes);
        if (clientCall != null) {
          try {
            clientCall.cancel("the stream failed to start", e);
          } catch (RuntimeException ignored) {
            // already reported as the stream's failure
          }
        }
      } finally {
        Context.ROOT.detach(previous);
      }
    }

    /** Writes queued messages in order while the live stream is ready. */
    private void drain(List<Runnable> outcomes) {
      StreamCall call = current;
      if (writing || call == null || call.requests == null) {
        return; // a write in progress further up this thread's stack carries on after it
      }
      writing = true;
      try {
        while (current == call && !queue.isEmpty() && call.requests.isReady()) {
          Pending<R> next = queue.poll();
          if (next.future().isDone()) {
            continue; // cancelled while queued: its caller has given up on it
          }
          try {
            call.requests.onNext(next.message());
          } catch (RuntimeException e) {
            outcomes.add(() -> next.future().completeExceptionally(
                new CallbackFailedException("internal", e)));
            ended(call, e, outcomes);
            try {
              call.requests.onError(e); // cancels the call
            } catch (RuntimeException ignored) {
              // already reported as the stream's failure
            }
            break;
          }
          call.wrote = true;
          outcomes.add(() -> next.future().complete(null));
        }
      } finally {
        writing = false;
      }
    }

    /**
     * The stream {@code call} ended without this client closing it: fails what is queued and
     * starts the backoff. Ignored unless {@code call} is the live stream.
     */
    private void ended(StreamCall call, Throwable failure, List<Runnable> outcomes) {
      if (current != call) {
        return;
      }
      current = null;
      long now = nanoClock.getAsLong();
      boolean worked = call.wrote && now - call.openedAtNanos >= backoffNanos;
      if (backoffNanos == 0 || worked) {
        backoffNanos = initialBackoffNanos;
      } else {
        backoffNanos = backoffNanos > maxBackoffNanos / 2 ? maxBackoffNanos : backoffNanos * 2;
      }
      reopenAtNanos = now + backoffNanos;
      lastFailure = failure;
      int queued = queue.size();
      if (queued > 0) {
        CallbackFailedException unavailable = new CallbackFailedException("unavailable", failure);
        for (Pending<R> pending : queue) {
          outcomes.add(() -> pending.future().completeExceptionally(unavailable));
        }
        queue.clear();
      }
      log.warn("the {} stream to the handler service at {} failed: {}; {} queued callbacks fail"
              + " with unavailable, and the stream reopens on the first callback after {} ms",
          name, channel.authority(), describe(failure), queued,
          TimeUnit.NANOSECONDS.toMillis(backoffNanos));
    }

    void close(List<Runnable> outcomes) {
      synchronized (this) {
        streamClosed = true;
        StreamCall call = current;
        current = null;
        if (!queue.isEmpty()) {
          CallbackFailedException unavailable = new CallbackFailedException("unavailable",
              new IllegalStateException("the streaming handler client closed before the "
                  + name + " stream was ready for this message"));
          for (Pending<R> pending : queue) {
            outcomes.add(() -> pending.future().completeExceptionally(unavailable));
          }
          queue.clear();
        }
        if (call != null && call.requests != null) {
          try {
            call.requests.onCompleted(); // half-close: the service answers and ends the stream
          } catch (RuntimeException e) {
            log.debug("half-closing the {} stream failed", name, e);
          }
        }
      }
    }

    /** One stream (one gRPC call) and gRPC's reports on it. */
    private final class StreamCall implements ClientResponseObserver<R, EmptySuccess> {
      final long openedAtNanos;
      /** Set by gRPC before the call starts, on the opening thread (which holds the monitor). */
      ClientCallStreamObserver<R> requests;
      boolean wrote;

      StreamCall(long openedAtNanos) {
        this.openedAtNanos = openedAtNanos;
      }

      @Override
      public void beforeStart(ClientCallStreamObserver<R> requestStream) {
        this.requests = requestStream;
        requestStream.setOnReadyHandler(this::onReady);
      }

      private void onReady() {
        List<Runnable> outcomes = new ArrayList<>(0);
        synchronized (CallbackStream.this) {
          if (current == this) {
            drain(outcomes);
          }
        }
        outcomes.forEach(Runnable::run);
      }

      @Override
      public void onNext(EmptySuccess value) {
        // The answer to a half-close; nothing to read.
      }

      @Override
      public void onError(Throwable failure) {
        report(failure);
      }

      @Override
      public void onCompleted() {
        // After this client half-closed, the stream is no longer current and this is ignored;
        // before, the service ended the stream on its own, which breaks it like an error.
        report(Status.UNAVAILABLE
            .withDescription("the handler service completed the " + name + " stream")
            .asRuntimeException());
      }

      private void report(Throwable failure) {
        List<Runnable> outcomes = new ArrayList<>(0);
        synchronized (CallbackStream.this) {
          ended(this, failure, outcomes);
        }
        outcomes.forEach(Runnable::run);
      }
    }
  }

  private static String describe(Throwable failure) {
    Status status = Status.fromThrowable(failure);
    return status.getCode() == Status.Code.UNKNOWN && status.getDescription() == null
        ? String.valueOf(failure)
        : status.getCode() + (status.getDescription() == null ? "" : " " + status.getDescription());
  }
}
