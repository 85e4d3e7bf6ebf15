package io.exproto.grpc.internal;

import io.exproto.grpc.v1.EmptySuccess;
import io.exproto.handler.CallbackFailedException;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * Receives the answer to one unary handler callback and completes {@link #future()}: normally
 * once the call completes with status OK, exceptionally with a {@link CallbackFailedException}
 * for any other status. The failure's reason is the status code's name in lower case
 * ({@code unavailable}, {@code deadline_exceeded}, ...), which goes into the connection's close
 * reason {@code {shutdown,{error,{on_<callback>,<reason>}}}}.
 *
 * <p>Used for one call only. Its methods are called by gRPC, one at a time.
 */
public final class CallbackObserver implements StreamObserver<EmptySuccess> {
  private final CompletableFuture<Void> future = new CompletableFuture<>();

  /** Completes when the callback has returned (or failed). */
  public CompletableFuture<Void> future() {
    return future;
  }

  @Override
  public void onNext(EmptySuccess value) {
    // Nothing to read: success is known once the call completes.
  }

  @Override
  public void onError(Throwable failure) {
    future.completeExceptionally(toCallbackFailure(failure));
  }

  @Override
  public void onCompleted() {
    future.complete(null);
  }

  /** The failure reported for a call that ended with {@code failure}. */
  public static CallbackFailedException toCallbackFailure(Throwable failure) {
    if (failure instanceof CallbackFailedException callbackFailed) {
      return callbackFailed;
    }
    Status status = Status.fromThrowable(failure);
    return new CallbackFailedException(status.getCode().name().toLowerCase(Locale.ROOT), failure);
  }
}
