package io.exproto.transport;

import java.util.concurrent.Executor;

/**
 * The single thread (or serial executor) a link and its connection are confined to, such as a
 * Netty event loop. Tasks run in submission order, one at a time.
 */
public interface LinkExecutor extends Executor {

  /** True if the calling thread is this executor's thread. */
  boolean inExecutorThread();
}
