package io.exproto.handler;

/** Timers a handler can start with {@link ConnectionAdapter#startTimer}. */
public enum TimerType {
  /** The keepalive timer: the connection times out after 1.5 x interval without inbound bytes. */
  KEEPALIVE
}
