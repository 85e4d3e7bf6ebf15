package io.exproto.gateway.internal;

import io.exproto.handler.Message;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;

/**
 * One connection's pending handler callbacks, FIFO. Consecutive deliveries merge into one batch
 * of at most {@code maxBatch} messages. Counts what it holds so the connection can apply its
 * limits. Confined to the connection's executor; not thread-safe.
 */
final class CallbackQueue {

  /** The five callbacks, with the snake_case names used in close reasons. */
  enum Kind {
    SOCKET_CREATED("on_socket_created"),
    RECEIVED_BYTES("on_received_bytes"),
    TIMER_TIMEOUT("on_timer_timeout"),
    RECEIVED_MESSAGES("on_received_messages"),
    SOCKET_CLOSED("on_socket_closed");

    final String callbackName;

    Kind(String callbackName) {
      this.callbackName = callbackName;
    }
  }

  /** A queued callback and its argument (ConnInfo, byte[], TimerType, List of Message, reason). */
  static final class Entry {
    final Kind kind;
    final Object arg;
    /**
     * For a delivery batch: the broker acknowledgements of its messages that need one, run once
     * the handler took the batch; null when none does (the in-memory broker's deliveries).
     */
    ArrayList<Runnable> acks;

    Entry(Kind kind, Object arg) {
      this.kind = kind;
      this.arg = arg;
    }

    @SuppressWarnings("unchecked")
    ArrayList<Message> messages() {
      return (ArrayList<Message>) arg;
    }
  }

  private final ArrayDeque<Entry> entries = new ArrayDeque<>(4);
  private final int maxBatch;
  private int callbacks; // entries other than deliveries
  private int messages; // messages inside delivery batches
  private long bytes; // received bytes and delivered payloads and topics, for the memory bound

  CallbackQueue(int maxBatch) {
    this.maxBatch = maxBatch;
  }

  void add(Kind kind, Object arg) {
    entries.addLast(new Entry(kind, arg));
    callbacks++;
    bytes += sizeOf(kind, arg);
  }

  /**
   * Appends a delivery, to the last batch if it is at the tail and not full.
   *
   * @param ack the broker acknowledgement to run once the handler took the batch, or null
   */
  void addMessage(Message m, Runnable ack) {
    Entry tail = entries.peekLast();
    Entry batch;
    if (tail != null && tail.kind == Kind.RECEIVED_MESSAGES && tail.messages().size() < maxBatch) {
      batch = tail;
      tail.messages().add(m);
    } else {
      ArrayList<Message> list = new ArrayList<>(Math.min(maxBatch, 4));
      list.add(m);
      batch = new Entry(Kind.RECEIVED_MESSAGES, list);
      entries.addLast(batch);
    }
    if (ack != null) {
      if (batch.acks == null) {
        batch.acks = new ArrayList<>(2);
      }
      batch.acks.add(ack);
    }
    messages++;
    bytes += sizeOf(m);
  }

  /**
   * Drops the oldest queued delivery and returns it, running the acknowledgements its batch held
   * if that batch is now empty (a dropped message is counted, not redelivered); null if there is
   * none.
   */
  Message dropOldestMessage() {
    for (Iterator<Entry> it = entries.iterator(); it.hasNext(); ) {
      Entry e = it.next();
      if (e.kind == Kind.RECEIVED_MESSAGES) {
        Message dropped = e.messages().remove(0);
        bytes -= sizeOf(dropped);
        if (e.messages().isEmpty()) {
          it.remove();
          if (e.acks != null) {
            e.acks.forEach(Runnable::run);
          }
        }
        messages--;
        return dropped;
      }
    }
    return null;
  }

  /** The next entry, or null. */
  Entry poll() {
    Entry e = entries.pollFirst();
    if (e != null) {
      bytes -= sizeOf(e);
      if (e.kind == Kind.RECEIVED_MESSAGES) {
        messages -= e.messages().size();
      } else {
        callbacks--;
      }
    }
    return e;
  }

  /** Removes everything but {@link Kind#SOCKET_CLOSED}; returns how many entries were removed. */
  int clearExceptClosed() {
    int removed = 0;
    for (Iterator<Entry> it = entries.iterator(); it.hasNext(); ) {
      Entry e = it.next();
      if (e.kind != Kind.SOCKET_CLOSED) {
        it.remove();
        removed++;
        bytes -= sizeOf(e);
        if (e.kind == Kind.RECEIVED_MESSAGES) {
          messages -= e.messages().size();
        } else {
          callbacks--;
        }
      }
    }
    return removed;
  }

  boolean isEmpty() {
    return entries.isEmpty();
  }

  /** Queued callbacks that are not deliveries. */
  int callbacks() {
    return callbacks;
  }

  /**
   * The bytes the queue holds in received bytes and delivered messages (payload and topic; a
   * topic's chars counted as one byte each), which the gateway's memory bound adds up across
   * connections. Object overhead is not counted.
   */
  long bytes() {
    return bytes;
  }

  /** The bytes an entry counts toward the memory bound. */
  static long sizeOf(Entry e) {
    if (e.kind == Kind.RECEIVED_MESSAGES) {
      long n = 0;
      for (Message m : e.messages()) {
        n += sizeOf(m);
      }
      return n;
    }
    return sizeOf(e.kind, e.arg);
  }

  private static long sizeOf(Kind kind, Object arg) {
    return kind == Kind.RECEIVED_BYTES ? ((byte[]) arg).length : 0;
  }

  private static long sizeOf(Message m) {
    return (long) m.payload().length + m.topic().length();
  }

  /** Queued delivered messages. */
  int messages() {
    return messages;
  }
}
