package io.exproto.bench;

/** Told when a load's measured window opens and closes (on the thread that runs the load). */
interface Window {
  /** Told nothing. */
  Window NONE = new Window() {
    @Override
    public void start() {}

    @Override
    public void stop() {}
  };

  /** The measured window opens. */
  void start();

  /** The measured window closes. */
  void stop();
}
