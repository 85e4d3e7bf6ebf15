package io.exproto.grpc.internal;

import io.exproto.grpc.v1.AuthenticateRequest;
import io.exproto.grpc.v1.CloseSocketRequest;
import io.exproto.grpc.v1.CodeResponse;
import io.exproto.grpc.v1.ConnectionAdapterGrpc;
import io.exproto.grpc.v1.PublishRequest;
import io.exproto.grpc.v1.RawPublishRequest;
import io.exproto.grpc.v1.SendBytesRequest;
import io.exproto.grpc.v1.SubscribeRequest;
import io.exproto.grpc.v1.TimerRequest;
import io.exproto.grpc.v1.UnsubscribeRequest;
import io.exproto.handler.AdapterResult;
import io.exproto.handler.ConnectionAdapter;
import io.exproto.handler.ResultCode;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the {@code emqx.exproto.v1.ConnectionAdapter} gRPC service by translating each request
 * and calling a core {@link ConnectionAdapter}.
 *
 * <p>Every outcome is gRPC status OK with a {@code CodeResponse} (docs/behaviour.md, Adapter result codes): a result of the core is
 * answered as is, and a core stage that fails unexpectedly (which the core promises not to do) is
 * answered {@code UNKNOWN} with the exception's message. The answer is sent on whichever thread
 * completes the core's stage; nothing here blocks.
 *
 * <p>Overload is the one transport-level fault answered with a non-OK status: beyond
 * {@code maxConcurrentCalls} calls in progress (arrived, not yet answered by the core), a call is
 * answered {@code RESOURCE_EXHAUSTED} at once without reaching the core.
 *
 * <p>Request contents are never logged, because an {@code AuthenticateRequest} carries a
 * password; and the password is masked in a failure of Authenticate before that failure is logged
 * or answered, in case the code that failed put it into the exception.
 *
 * <p>Thread-safe.
 */
public final class AdapterService extends ConnectionAdapterGrpc.ConnectionAdapterImplBase {
  private static final Logger log = LoggerFactory.getLogger(AdapterService.class);

  private final ConnectionAdapter adapter;
  private final int maxConcurrentCalls;
  private final String overloaded;
  private final AtomicInteger callsInProgress = new AtomicInteger();

  /** Serves {@code adapter} with no practical limit on calls in progress. */
  public AdapterService(ConnectionAdapter adapter) {
    this(adapter, Integer.MAX_VALUE);
  }

  /**
   * Serves {@code adapter}, answering calls beyond {@code maxConcurrentCalls} in progress with
   * {@code RESOURCE_EXHAUSTED}.
   *
   * @throws IllegalArgumentException if {@code maxConcurrentCalls} is not positive
   */
  public AdapterService(ConnectionAdapter adapter, int maxConcurrentCalls) {
    this.adapter = Objects.requireNonNull(adapter, "adapter");
    if (maxConcurrentCalls <= 0) {
      throw new IllegalArgumentException(
          "maxConcurrentCalls must be a positive number of calls, was " + maxConcurrentCalls);
    }
    this.maxConcurrentCalls = maxConcurrentCalls;
    this.overloaded = "too many adapter calls in progress (limit " + maxConcurrentCalls + ")";
  }

  /** The calls that have arrived and are not answered yet. */
  public int callsInProgress() {
    return callsInProgress.get();
  }

  @Override
  public void send(SendBytesRequest request, StreamObserver<CodeResponse> response) {
    answer("Send", request.getConn(), null, response,
        () -> adapter.send(request.getConn(), ProtoTranslation.toBytes(request.getBytes())));
  }

  @Override
  public void close(CloseSocketRequest request, StreamObserver<CodeResponse> response) {
    answer("Close", request.getConn(), null, response, () -> adapter.close(request.getConn()));
  }

  @Override
  public void authenticate(AuthenticateRequest request, StreamObserver<CodeResponse> response) {
    // A missing clientinfo is null, not an empty one: the core answers REQUIRED_PARAMS_MISSED.
    answer("Authenticate", request.getConn(), request.getPassword(), response,
        () -> adapter.authenticate(request.getConn(),
        request.hasClientinfo() ? ProtoTranslation.fromProto(request.getClientinfo()) : null,
        request.getPassword()));
  }

  @Override
  public void startTimer(TimerRequest request, StreamObserver<CodeResponse> response) {
    // interval is uint32 on the wire; the core reads the int as unsigned.
    answer("StartTimer", request.getConn(), null, response, () -> adapter.startTimer(
        request.getConn(), ProtoTranslation.fromProto(request.getType()), request.getInterval()));
  }

  @Override
  public void publish(PublishRequest request, StreamObserver<CodeResponse> response) {
    answer("Publish", request.getConn(), null, response, () -> adapter.publish(request.getConn(),
        request.getTopic(), request.getQos(), ProtoTranslation.toBytes(request.getPayload())));
  }

  @Override
  public void rawPublish(RawPublishRequest request, StreamObserver<CodeResponse> response) {
    answer("RawPublish", "", null, response, () -> adapter.rawPublish(request.getTopic(),
        request.getQos(), ProtoTranslation.toBytes(request.getPayload())));
  }

  @Override
  public void subscribe(SubscribeRequest request, StreamObserver<CodeResponse> response) {
    answer("Subscribe", request.getConn(), null, response,
        () -> adapter.subscribe(request.getConn(), request.getTopic(), request.getQos()));
  }

  @Override
  public void unsubscribe(UnsubscribeRequest request, StreamObserver<CodeResponse> response) {
    answer("Unsubscribe", request.getConn(), null, response,
        () -> adapter.unsubscribe(request.getConn(), request.getTopic()));
  }

  /**
   * Calls the core and answers with its result.
   *
   * @param password the secret to mask in failures, or null
   */
  private void answer(String operation, String conn, String password,
      StreamObserver<CodeResponse> response, Supplier<CompletionStage<AdapterResult>> call) {
    if (callsInProgress.incrementAndGet() > maxConcurrentCalls) {
      callsInProgress.decrementAndGet();
      log.debug("Rejected {} for conn '{}': {}", operation, conn, overloaded);
      response.onError(Status.RESOURCE_EXHAUSTED.withDescription(overloaded).asRuntimeException());
      return;
    }
    CompletionStage<AdapterResult> stage;
    try {
      stage = call.get();
      if (stage == null) {
        stage = CompletableFuture.failedStage(
            new NullPointerException("the adapter returned no stage for " + operation));
      }
    } catch (RuntimeException e) {
      stage = CompletableFuture.failedStage(e);
    } catch (Error e) {
      callsInProgress.decrementAndGet();
      throw e;
    }
    stage.whenComplete((result, failure) -> {
      // Free the slot before answering, so a client that has its answer may call again at once.
      callsInProgress.decrementAndGet();
      CodeResponse answer;
      if (failure != null) {
        answer = unexpectedFailure(operation, conn,
            PasswordRedaction.throwable(unwrap(failure), password));
      } else if (result == null) {
        answer = unexpectedFailure(operation, conn,
            new NullPointerException("the adapter completed " + operation + " without a result"));
      } else {
        answer = ProtoTranslation.toProto(result);
        if (password != null) {
          // An authenticator's reason is answered as the message; it should not echo the password.
          String message = PasswordRedaction.text(answer.getMessage(), password);
          if (!message.equals(answer.getMessage())) {
            answer = answer.toBuilder().setMessage(message).build();
          }
        }
      }
      try {
        response.onNext(answer);
        response.onCompleted();
      } catch (RuntimeException e) {
        // The client went away (cancelled, deadline passed); nobody is left to answer.
        log.debug("Could not answer {} for conn {}", operation, conn, e);
      }
    });
  }

  private static CodeResponse unexpectedFailure(String operation, String conn, Throwable failure) {
    log.warn("Adapter operation {} for conn '{}' failed unexpectedly", operation, conn, failure);
    String message = failure.getMessage() != null
        ? failure.getMessage()
        : failure.getClass().getSimpleName();
    return ProtoTranslation.toProto(AdapterResult.of(ResultCode.UNKNOWN, message));
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable cause = failure;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }
}
