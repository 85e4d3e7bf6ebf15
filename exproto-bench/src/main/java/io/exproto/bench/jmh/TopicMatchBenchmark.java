package io.exproto.bench.jmh;

import io.exproto.broker.BrokerMessage;
import io.exproto.broker.InMemoryBroker;
import io.exproto.broker.Subscriber;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Publishing one message into an {@link InMemoryBroker} holding 100,000 subscriptions, all of
 * one kind; each publish matches a handful of them. Measures topic validation plus the trie walk
 * plus delivery to a no-op subscriber.
 *
 * <ul>
 *   <li>exact: {@code site/<i/100>/dev/<i%100>}, publish matches 1
 *   <li>plus: {@code site/<i/100>/+/<i%100>}, publish matches 1
 *   <li>hash: {@code site/<i/100>/dev<i%100>/#}, publish matches 1
 *   <li>shared: {@code $share/g<i%4>/site/<i/4>/dev}, publish matches one subscription in each
 *       of 4 groups
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
public class TopicMatchBenchmark {
  private static final int SUBSCRIPTIONS = 100_000;

  @Param({"exact", "plus", "hash", "shared"})
  public String kind;

  private InMemoryBroker broker;
  private BrokerMessage message;
  private Blackhole hole;

  @Setup
  public void setUp(Blackhole blackhole) {
    this.hole = blackhole;
    broker = new InMemoryBroker();
    Subscriber sink = (m, qos) -> hole.consume(m);
    String topic = switch (kind) {
      case "exact", "plus" -> "site/421/dev/37";
      case "hash" -> "site/421/dev37/a/b";
      default -> "site/4213/dev";
    };
    for (int i = 0; i < SUBSCRIPTIONS; i++) {
      String filter = switch (kind) {
        case "exact" -> "site/" + i / 100 + "/dev/" + i % 100;
        case "plus" -> "site/" + i / 100 + "/+/" + i % 100;
        case "hash" -> "site/" + i / 100 + "/dev" + i % 100 + "/#";
        default -> "$share/g" + i % 4 + "/site/" + i / 4 + "/dev";
      };
      broker.subscribe(filter, 0, (m, qos) -> hole.consume(m));
    }
    if (broker.subscriptionCount() != SUBSCRIPTIONS) {
      throw new IllegalStateException("expected " + SUBSCRIPTIONS + " subscriptions, have "
          + broker.subscriptionCount());
    }
    message = new BrokerMessage("id-1", "bench", topic, 0, new byte[64], 0L);
    sink.deliver(message, 0);
  }

  @Benchmark
  public Object publish() {
    return broker.publish(message);
  }
}
