package io.exproto.testkit;

import io.exproto.handler.ConnInfo;
import io.exproto.handler.Message;
import io.exproto.handler.TimerType;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One callback a {@link RecordingHandler} received. Only the fields of its {@link #type()} are set.
 *
 * @param type which callback
 * @param conn the connection
 * @param connInfo for {@link Type#SOCKET_CREATED}
 * @param bytes for {@link Type#RECEIVED_BYTES}
 * @param timer for {@link Type#TIMER_TIMEOUT}
 * @param messages for {@link Type#RECEIVED_MESSAGES}
 * @param reason for {@link Type#SOCKET_CLOSED}
 */
public record HandlerEvent(Type type, String conn, ConnInfo connInfo, byte[] bytes, TimerType timer,
    List<Message> messages, String reason) {

  /** The five callbacks. */
  public enum Type {
    /** onSocketCreated. */
    SOCKET_CREATED,
    /** onReceivedBytes. */
    RECEIVED_BYTES,
    /** onTimerTimeout. */
    TIMER_TIMEOUT,
    /** onReceivedMessages. */
    RECEIVED_MESSAGES,
    /** onSocketClosed. */
    SOCKET_CLOSED
  }

  /** The bytes as UTF-8 text (RECEIVED_BYTES only). */
  public String text() {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return switch (type) {
      case SOCKET_CREATED -> "created(" + connInfo + ")";
      case RECEIVED_BYTES -> "bytes(" + bytes.length + ")";
      case TIMER_TIMEOUT -> "timeout(" + timer + ")";
      case RECEIVED_MESSAGES -> "messages(" + messages + ")";
      case SOCKET_CLOSED -> "closed(" + reason + ")";
    };
  }
}
