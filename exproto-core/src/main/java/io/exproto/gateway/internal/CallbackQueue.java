package io.exproto.gateway.internal;

import io.exproto.handler.Message;
import java.util.ArrayList;

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

  private static final Entry[] NONE = new Entry[0];

  // A ring of entries, oldest at head: one array and no deque object, because every connection
  // holds a queue. Its capacity is a power of two, allocated on the first add; it never shrinks.
  private Entry[] ring = NONE;
  private int head;
  private int count;
  private final int maxBatch;
  private int callbacks; // entries other than deliveries
  private int messages; // messages inside delivery batches
  private long bytes; // received bytes and delivered payloads and topics, for the memory bound

  CallbackQueue(int maxBatch) {
    this.maxBatch = maxBatch;
  }

  void add(Kind kind, Object arg) {
    addLast(new Entry(kind, arg));
    callbacks++;
    bytes += sizeOf(kind, arg);
  }

  /**
   * Appends a delivery, to the last batch if it is at the tail and not full.
   *
   * @param ack the broker acknowledgement to run once the handler took the batch, or null
   */
  void addMessage(Message m, Runnable ack) {
    Entry tail = count == 0 ? null : at(count - 1);
    Entry batch;
    if (tail != null && tail.kind == Kind.RECEIVED_MESSAGES && tail.messages().size() < maxBatch) {
      batch = tail;
      tail.messages().add(m);
    } else {
      ArrayList<Message> list = new ArrayList<>(Math.min(maxBatch, 4));
      list.add(m);
      batch = new Entry(Kind.RECEIVED_MESSAGES, list);
      addLast(batch);
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
    for (int i = 0; i < count; i++) {
      Entry e = at(i);
      if (e.kind == Kind.RECEIVED_MESSAGES) {
        Message dropped = e.messages().remove(0);
        bytes -= sizeOf(dropped);
        if (e.messages().isEmpty()) {
          removeAt(i);
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
    if (count == 0) {
      return null;
    }
    Entry e = ring[head];
    ring[head] = null;
    head = (head + 1) & (ring.length - 1);
    count--;
    bytes -= sizeOf(e);
    if (e.kind == Kind.RECEIVED_MESSAGES) {
      messages -= e.messages().size();
    } else {
      callbacks--;
    }
    return e;
  }

  /** Removes everything but {@link Kind#SOCKET_CLOSED}; returns how many entries were removed. */
  int clearExceptClosed() {
    int removed = 0;
    int kept = 0;
    for (int i = 0; i < count; i++) {
      Entry e = at(i);
      if (e.kind == Kind.SOCKET_CLOSED) {
        set(kept++, e); // kept <= i: never overwrites an entry not yet looked at
      } else {
        removed++;
        bytes -= sizeOf(e);
        if (e.kind == Kind.RECEIVED_MESSAGES) {
          messages -= e.messages().size();
        } else {
          callbacks--;
        }
      }
    }
    for (int i = kept; i < count; i++) {
      set(i, null);
    }
    count = kept;
    return removed;
  }

  boolean isEmpty() {
    return count == 0;
  }

  private Entry at(int i) {
    return ring[(head + i) & (ring.length - 1)];
  }

  private void set(int i, Entry e) {
    ring[(head + i) & (ring.length - 1)] = e;
  }

  private void addLast(Entry e) {
    if (count == ring.length) {
      Entry[] grown = new Entry[ring.length == 0 ? 4 : ring.length * 2];
      for (int i = 0; i < count; i++) {
        grown[i] = at(i);
      }
      ring = grown;
      head = 0;
    }
    set(count, e);
    count++;
  }

  /** Removes the entry {@code i} places from the oldest, closing the gap. */
  private void removeAt(int i) {
    for (int j = i; j < count - 1; j++) {
      set(j, at(j + 1));
    }
    set(count - 1, null);
    count--;
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
