package io.exproto.gateway.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/** What the engine needs to know about a {@link CompletionStage} it was handed. Stateless. */
final class Stages {
  private Stages() {}

  /** The cause inside CompletionException wrappers; null stays null. */
  static Throwable unwrap(Throwable e) {
    Throwable t = e;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** The stage as a completed future, or null if it is not (known to be) complete yet. */
  static <T> CompletableFuture<T> doneOrNull(CompletionStage<T> stage) {
    if (stage instanceof CompletableFuture) {
      try {
        // A minimal stage (completedStage) refuses isDone() but copies itself here.
        CompletableFuture<T> f = stage.toCompletableFuture();
        return f.isDone() ? f : null;
      } catch (UnsupportedOperationException notAFullFuture) {
        return null;
      }
    }
    return null;
  }
}
