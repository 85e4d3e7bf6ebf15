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
import io.grpc.stub.StreamObserver;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the {@code emqx.exproto.v1.ConnectionAdapter} gRPC service by translating each request
 * and calling a core {@link ConnectionAdapter}.
 *
 * <p>Every outcome is gRPC status OK with a {@code CodeResponse} (SPEC A): a result of the core is
 * answered as is, and a core stage that fails unexpectedly (which the core promises not to do) is
 * answered {@code UNKNOWN} with the exception's message. The answer is sent on whichever thread
 * completes the core's stage; nothing here blocks. Request contents are never logged, because an
 * {@code AuthenticateRequest} carries a password.
 *
 * <p>Thread-safe.
 */
public final class AdapterService extends ConnectionAdapterGrpc.ConnectionAdapterImplBase {
  private static final Logger log = LoggerFactory.getLogger(AdapterService.class);

  private final ConnectionAdapter adapter;

  /** Serves {@code adapter}. */
  public AdapterService(ConnectionAdapter adapter) {
    this.adapter = Objects.requireNonNull(adapter, "adapter");
  }

  @Override
  public void send(SendBytesRequest request, StreamObserver<CodeResponse> response) {
    answer("Send", request.getConn(), response,
        () -> adapter.send(request.getConn(), ProtoTranslation.toBytes(request.getBytes())));
  }

  @Override
  public void close(CloseSocketRequest request, StreamObserver<CodeResponse> response) {
    answer("Close", request.getConn(), response, () -> adapter.close(request.getConn()));
  }

  @Override
  public void authenticate(AuthenticateRequest request, StreamObserver<CodeResponse> response) {
    // A missing clientinfo is null, not an empty one: the core answers REQUIRED_PARAMS_MISSED.
    answer("Authenticate", request.getConn(), response, () -> adapter.authenticate(
        request.getConn(),
        request.hasClientinfo() ? ProtoTranslation.fromProto(request.getClientinfo()) : null,
        request.getPassword()));
  }

  @Override
  public void startTimer(TimerRequest request, StreamObserver<CodeResponse> response) {
    // interval is uint32 on the wire; the core reads the int as unsigned.
    answer("StartTimer", request.getConn(), response, () -> adapter.startTimer(
        request.getConn(), ProtoTranslation.fromProto(request.getType()), request.getInterval()));
  }

  @Override
  public void publish(PublishRequest request, StreamObserver<CodeResponse> response) {
    answer("Publish", request.getConn(), response, () -> adapter.publish(request.getConn(),
        request.getTopic(), request.getQos(), ProtoTranslation.toBytes(request.getPayload())));
  }

  @Override
  public void rawPublish(RawPublishRequest request, StreamObserver<CodeResponse> response) {
    answer("RawPublish", "", response, () -> adapter.rawPublish(request.getTopic(),
        request.getQos(), ProtoTranslation.toBytes(request.getPayload())));
  }

  @Override
  public void subscribe(SubscribeRequest request, StreamObserver<CodeResponse> response) {
    answer("Subscribe", request.getConn(), response,
        () -> adapter.subscribe(request.getConn(), request.getTopic(), request.getQos()));
  }

  @Override
  public void unsubscribe(UnsubscribeRequest request, StreamObserver<CodeResponse> response) {
    answer("Unsubscribe", request.getConn(), response,
        () -> adapter.unsubscribe(request.getConn(), request.getTopic()));
  }

  private static void answer(String operation, String conn, StreamObserver<CodeResponse> response,
      Supplier<CompletionStage<AdapterResult>> call) {
    CompletionStage<AdapterResult> stage;
    try {
      stage = call.get();
      if (stage == null) {
        stage = CompletableFuture.failedStage(
            new NullPointerException("the adapter returned no stage for " + operation));
      }
    } catch (RuntimeException e) {
      stage = CompletableFuture.failedStage(e);
    }
    stage.whenComplete((result, failure) -> {
      CodeResponse answer;
      if (failure != null) {
        answer = unexpectedFailure(operation, conn, unwrap(failure));
      } else if (result == null) {
        answer = unexpectedFailure(operation, conn,
            new NullPointerException("the adapter completed " + operation + " without a result"));
      } else {
        answer = ProtoTranslation.toProto(result);
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
