package io.exproto.broker;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A subscriber that records what it gets; safe to deliver to from many threads. */
final class RecordingSubscriber implements Subscriber {
  record Delivery(BrokerMessage message, int qos) {}

  private final String name;
  private final boolean record;
  final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
  final AtomicInteger count = new AtomicInteger();

  RecordingSubscriber(String name) {
    this(name, true);
  }

  /** With {@code record} false only counts, for high-volume tests. */
  RecordingSubscriber(String name, boolean record) {
    this.name = name;
    this.record = record;
  }

  @Override
  public void deliver(BrokerMessage message, int qos) {
    count.incrementAndGet();
    if (record) {
      deliveries.add(new Delivery(message, qos));
    }
  }

  List<String> topics() {
    return deliveries.stream().map(d -> d.message().topic()).toList();
  }

  List<Integer> qosList() {
    return deliveries.stream().map(Delivery::qos).toList();
  }

  @Override
  public String toString() {
    return name;
  }
}
