package io.exproto.examples;

import io.exproto.broker.BrokerMessage;
import io.exproto.broker.Subscriber;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A broker subscriber that keeps what it is delivered; a probe for tests. */
final class RecordingSubscriber implements Subscriber {
  private final List<BrokerMessage> messages = new CopyOnWriteArrayList<>();

  @Override
  public void deliver(BrokerMessage message, int qos) {
    messages.add(message);
  }

  List<BrokerMessage> messages() {
    return List.copyOf(messages);
  }
}
