package io.exproto.handler;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The protocol handler: the five callbacks of {@code ConnectionUnaryHandler}, as a Java interface.
 * Implement it to handle a protocol in-process; the gRPC module implements it to call a remote
 * handler service.
 *
 * <h2>Threading and ordering</h2>
 * For one connection the gateway issues at most one callback at a time and waits for the returned
 * stage to complete before issuing the next (docs/behaviour.md, Callback ordering): {@code onSocketCreated} has completed before
 * the first {@code onReceivedBytes}, and {@code onSocketClosed} comes last and exactly once.
 * Callbacks for different connections run concurrently. A callback is invoked on the connection's
 * I/O thread, so an implementation must <b>not block</b>: do the work, or start it asynchronously,
 * and return a stage. Adapter operations for the same connection issued from inside a callback
 * (on that thread) complete before they return.
 *
 * <h2>Failure</h2>
 * A callback that throws, completes exceptionally, or does not complete within the gateway's
 * callback timeout closes the connection with reason
 * {@code {shutdown,{error,{on_<callback>,<reason>}}}} (see {@link CallbackFailedException}).
 *
 * <p>A stage the gateway stops waiting for (past the callback timeout, or still running when the
 * close-flush timeout ends) is cancelled, with {@code toCompletableFuture().cancel(false)}, so that
 * the implementation can give up the work and release what it holds; the gRPC binding cancels the
 * call. Return a stage of each callback's own, not one shared between callbacks; a stage that does
 * not support {@code toCompletableFuture} is left alone.
 *
 * <p>If the implementation also implements {@link AutoCloseable}, the gateway closes it when the
 * gateway terminates.
 *
 * <p>Only {@link #onReceivedBytes} must be written: the other callbacks default to doing nothing
 * and returning {@link #DONE}, so a handler overrides just those it cares about.
 */
public interface ConnectionHandler {

  /** A completed stage to return from callbacks that finish synchronously. */
  CompletionStage<Void> DONE = CompletableFuture.completedStage(null);

  /** A connection was accepted. The default does nothing. */
  default CompletionStage<Void> onSocketCreated(String conn, ConnInfo connInfo) {
    return DONE;
  }

  /**
   * Bytes arrived: one socket read or one datagram, or one frame if the listener has a framing
   * codec. The array belongs to the handler.
   */
  CompletionStage<Void> onReceivedBytes(String conn, byte[] bytes);

  /**
   * A timer fired; for {@link TimerType#KEEPALIVE} the gateway closes the connection afterwards.
   * The default does nothing.
   */
  default CompletionStage<Void> onTimerTimeout(String conn, TimerType type) {
    return DONE;
  }

  /**
   * Messages matching the connection's subscriptions, batched while a callback was in flight. The
   * default does nothing, so the messages are dropped: a handler that subscribes overrides it.
   */
  default CompletionStage<Void> onReceivedMessages(String conn, List<Message> messages) {
    return DONE;
  }

  /**
   * The connection closed; the last callback for {@code conn}. {@code reason} is one of docs/behaviour.md, Close reasons. The
   * default does nothing.
   */
  default CompletionStage<Void> onSocketClosed(String conn, String reason) {
    return DONE;
  }
}
