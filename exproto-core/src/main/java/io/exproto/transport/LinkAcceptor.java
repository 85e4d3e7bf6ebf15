package io.exproto.transport;

/** The engine's entry point for new links; a listener calls it once per accepted link. */
@FunctionalInterface
public interface LinkAcceptor {

  /**
   * A link was accepted. Called on the link's executor.
   *
   * @return where to report the link's events
   */
  LinkListener accept(Link link);
}
