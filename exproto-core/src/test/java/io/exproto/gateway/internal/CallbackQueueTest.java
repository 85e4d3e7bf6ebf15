package io.exproto.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.exproto.gateway.internal.CallbackQueue.Entry;
import io.exproto.gateway.internal.CallbackQueue.Kind;
import io.exproto.handler.Message;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CallbackQueueTest {

  private static Message message(int i) {
    return new Message("node", "id" + i, 0, "from", "t/" + i, new byte[0], i);
  }

  private static List<String> topics(Entry e) {
    List<String> topics = new ArrayList<>();
    e.messages().forEach(m -> topics.add(m.topic()));
    return topics;
  }

  @Test
  void callbacksComeOutInOrderAndAreCounted() {
    CallbackQueue q = new CallbackQueue(11);
    assertThat(q.isEmpty()).isTrue();
    assertThat(q.poll()).isNull();
    q.add(Kind.SOCKET_CREATED, "info");
    q.add(Kind.RECEIVED_BYTES, new byte[] {1});
    assertThat(q.callbacks()).isEqualTo(2);
    assertThat(q.poll().kind).isEqualTo(Kind.SOCKET_CREATED);
    assertThat(q.poll().kind).isEqualTo(Kind.RECEIVED_BYTES);
    assertThat(q.callbacks()).isZero();
    assertThat(q.isEmpty()).isTrue();
  }

  @Test
  void consecutiveDeliveriesMergeIntoBatchesOfAtMostMaxBatch() {
    CallbackQueue q = new CallbackQueue(3);
    for (int i = 0; i < 5; i++) {
      q.addMessage(message(i), null);
    }
    q.add(Kind.RECEIVED_BYTES, new byte[0]);
    q.addMessage(message(5), null); // after another callback: a batch of its own, order kept
    assertThat(q.messages()).isEqualTo(6);
    assertThat(q.callbacks()).isEqualTo(1);

    assertThat(topics(q.poll())).containsExactly("t/0", "t/1", "t/2");
    assertThat(topics(q.poll())).containsExactly("t/3", "t/4");
    assertThat(q.messages()).isEqualTo(1);
    assertThat(q.poll().kind).isEqualTo(Kind.RECEIVED_BYTES);
    assertThat(topics(q.poll())).containsExactly("t/5");
    assertThat(q.messages()).isZero();
  }

  @Test
  void dropOldestMessageTakesTheFirstQueuedDeliveryAndEmptyBatchesGo() {
    CallbackQueue q = new CallbackQueue(11);
    q.add(Kind.RECEIVED_BYTES, new byte[0]);
    assertThat(q.dropOldestMessage()).isNull();
    q.addMessage(message(0), null);
    q.add(Kind.TIMER_TIMEOUT, null);
    q.addMessage(message(1), null);
    q.addMessage(message(2), null);

    assertThat(q.dropOldestMessage().topic()).isEqualTo("t/0"); // and with it its batch
    assertThat(q.messages()).isEqualTo(2);
    assertThat(q.poll().kind).isEqualTo(Kind.RECEIVED_BYTES);
    assertThat(q.poll().kind).isEqualTo(Kind.TIMER_TIMEOUT);
    assertThat(q.dropOldestMessage().topic()).isEqualTo("t/1");
    assertThat(topics(q.poll())).containsExactly("t/2");
    assertThat(q.isEmpty()).isTrue();
  }

  @Test
  void brokerAcknowledgementsRideWithTheirBatchAndRunWhenADropEmptiesIt() {
    CallbackQueue q = new CallbackQueue(2);
    List<String> acked = new ArrayList<>();
    q.addMessage(message(0), () -> acked.add("a0"));
    q.addMessage(message(1), null); // qos 0: nothing to acknowledge
    q.addMessage(message(2), () -> acked.add("a2")); // a batch of its own (max 2)
    Entry first = q.poll();
    assertThat(first.acks).hasSize(1);
    first.acks.forEach(Runnable::run);
    assertThat(acked).containsExactly("a0");
    assertThat(q.dropOldestMessage().topic()).isEqualTo("t/2"); // counted, and acknowledged
    assertThat(acked).containsExactly("a0", "a2");
    assertThat(q.isEmpty()).isTrue();

    q.addMessage(message(3), () -> acked.add("a3"));
    assertThat(q.clearExceptClosed()).isEqualTo(1); // cleared at close: not acknowledged
    assertThat(acked).containsExactly("a0", "a2");
  }

  @Test
  void clearExceptClosedKeepsOnlySocketClosedAndFixesTheCounts() {
    CallbackQueue q = new CallbackQueue(11);
    q.add(Kind.RECEIVED_BYTES, new byte[0]);
    q.addMessage(message(0), null);
    q.addMessage(message(1), null);
    q.add(Kind.SOCKET_CLOSED, "{shutdown,normal}");
    q.add(Kind.TIMER_TIMEOUT, null);

    assertThat(q.clearExceptClosed()).isEqualTo(3);
    assertThat(q.callbacks()).isEqualTo(1);
    assertThat(q.messages()).isZero();
    Entry closed = q.poll();
    assertThat(closed.kind).isEqualTo(Kind.SOCKET_CLOSED);
    assertThat(closed.arg).isEqualTo("{shutdown,normal}");
    assertThat(q.isEmpty()).isTrue();
  }

  @Test
  void eachKindHasTheSnakeCaseNameUsedInCloseReasons() {
    assertThat(Kind.SOCKET_CREATED.callbackName).isEqualTo("on_socket_created");
    assertThat(Kind.RECEIVED_BYTES.callbackName).isEqualTo("on_received_bytes");
    assertThat(Kind.TIMER_TIMEOUT.callbackName).isEqualTo("on_timer_timeout");
    assertThat(Kind.RECEIVED_MESSAGES.callbackName).isEqualTo("on_received_messages");
    assertThat(Kind.SOCKET_CLOSED.callbackName).isEqualTo("on_socket_closed");
  }

  /**
   * Random adds, polls, drops and clears, checked against a plain list doing the same: the queue
   * keeps its order and its counts as its ring wraps around and grows.
   */
  @Test
  void staysInOrderAcrossWrapAroundGrowthAndRemovalsInTheMiddle() {
    java.util.Random random = new java.util.Random(17);
    CallbackQueue q = new CallbackQueue(2);
    List<Object[]> model = new ArrayList<>(); // {Kind, list of topics or the arg}
    int next = 0;
    for (int step = 0; step < 20_000; step++) {
      int op = random.nextInt(10);
      if (op < 3) {
        Kind kind = random.nextBoolean() ? Kind.RECEIVED_BYTES : Kind.SOCKET_CLOSED;
        Object arg = kind == Kind.RECEIVED_BYTES ? new byte[random.nextInt(4)] : "r" + next++;
        q.add(kind, arg);
        model.add(new Object[] {kind, arg});
      } else if (op < 6) {
        Message m = message(next++);
        q.addMessage(m, null);
        Object[] tail = model.isEmpty() ? null : model.get(model.size() - 1);
        if (tail != null && tail[0] == Kind.RECEIVED_MESSAGES
            && ((List<?>) tail[1]).size() < 2) {
          @SuppressWarnings("unchecked")
          List<String> batch = (List<String>) tail[1];
          batch.add(m.topic());
        } else {
          model.add(new Object[] {Kind.RECEIVED_MESSAGES, new ArrayList<>(List.of(m.topic()))});
        }
      } else if (op < 9) {
        Entry e = q.poll();
        if (model.isEmpty()) {
          assertThat(e).isNull();
        } else {
          Object[] expected = model.remove(0);
          assertThat(e.kind).isEqualTo(expected[0]);
          assertThat(e.kind == Kind.RECEIVED_MESSAGES ? topics(e) : e.arg).isEqualTo(expected[1]);
        }
      } else if (random.nextInt(4) == 0) {
        int removed = q.clearExceptClosed();
        int before = model.size();
        model.removeIf(x -> x[0] != Kind.SOCKET_CLOSED);
        assertThat(removed).isEqualTo(before - model.size());
      } else {
        Message dropped = q.dropOldestMessage();
        Object[] batch = model.stream().filter(x -> x[0] == Kind.RECEIVED_MESSAGES).findFirst()
            .orElse(null);
        if (batch == null) {
          assertThat(dropped).isNull();
        } else {
          List<?> topics = (List<?>) batch[1];
          assertThat(dropped.topic()).isEqualTo(topics.remove(0));
          if (topics.isEmpty()) {
            model.remove(batch);
          }
        }
      }
      long callbacks = model.stream().filter(x -> x[0] != Kind.RECEIVED_MESSAGES).count();
      long messages = model.stream().filter(x -> x[0] == Kind.RECEIVED_MESSAGES)
          .mapToLong(x -> ((List<?>) x[1]).size()).sum();
      assertThat(q.callbacks()).isEqualTo(callbacks);
      assertThat(q.messages()).isEqualTo(messages);
      assertThat(q.isEmpty()).isEqualTo(model.isEmpty());
    }
  }
}
