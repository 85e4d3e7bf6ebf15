package io.exproto.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.exproto.broker.BrokerMessage;
import io.exproto.broker.InMemoryBroker;
import io.exproto.broker.NaiveMatcher;
import io.exproto.broker.Subscriber;
import io.exproto.broker.Topics;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The in-memory broker's trie, with the gateway's mountpoints in front, delivers exactly what a
 * naive matcher says: for random filters (with {@code +}, {@code #}, {@code $} levels and
 * {@code $share} groups) and topics, each plain subscription that matches gets the message once
 * and each matching shared group exactly one of its members.
 */
class MountedTopicMatchingPropertyTest {

  /** One device's subscription as the handler asked for it. */
  record Sub(int device, String mountpoint, String clientId, String filter) {}

  record Case(List<Sub> subs, String publisherMountpoint, String topic) {}

  @Property(tries = 400)
  void trieMatchesEqualNaiveMatches(@ForAll("cases") Case c) {
    InMemoryBroker broker = new InMemoryBroker();
    Map<Integer, Recorder> devices = new HashMap<>();
    // expected: plain (device -> count), shared (group key -> members)
    Map<Integer, Integer> expectedPlain = new HashMap<>();
    Map<String, Set<Integer>> groups = new LinkedHashMap<>();
    Set<String> seen = new HashSet<>();
    String brokerTopic = Mountpoint.resolve(c.publisherMountpoint(), "pub", "")
        .mountName(c.topic());
    if (Topics.validateName(brokerTopic) != null) {
      return;
    }
    for (Sub s : c.subs()) {
      Recorder r = devices.computeIfAbsent(s.device(), Recorder::new);
      String mounted = Mountpoint.resolve(s.mountpoint(), s.clientId(), "").mountFilter(s.filter());
      if (Topics.validateFilter(mounted) != null || !seen.add(s.device() + " " + mounted)) {
        continue; // invalid, or a resubscription (which only replaces the qos)
      }
      broker.subscribe(mounted, 0, r).toCompletableFuture().join();
      String inner = Topics.unshared(mounted);
      if (!NaiveMatcher.matches(inner, brokerTopic)) {
        continue;
      }
      if (Topics.isShared(mounted)) {
        groups.computeIfAbsent(Topics.shareGroup(mounted) + " " + inner, k -> new HashSet<>())
            .add(s.device());
      } else {
        expectedPlain.merge(s.device(), 1, Integer::sum);
      }
    }
    broker.publish(new BrokerMessage("id", "pub", brokerTopic, 0, new byte[0], 0L))
        .toCompletableFuture().join();

    Map<Integer, Integer> got = new HashMap<>();
    for (Recorder r : devices.values()) {
      if (r.count > 0) {
        got.put(r.device, r.count);
      }
    }
    // Each matching shared group adds exactly one delivery, to one of its members.
    Map<Integer, Integer> remaining = new HashMap<>(got);
    expectedPlain.forEach((d, n) -> remaining.merge(d, -n, Integer::sum));
    remaining.values().removeIf(n -> n == 0);
    assertThat(remaining.values()).allMatch(n -> n > 0, "no plain delivery missing");
    int sharedDeliveries = remaining.values().stream().mapToInt(Integer::intValue).sum();
    assertThat(sharedDeliveries).as("one delivery per matching group").isEqualTo(groups.size());
    for (Map.Entry<Integer, Integer> e : remaining.entrySet()) {
      long groupsWithDevice = groups.values().stream().filter(m -> m.contains(e.getKey())).count();
      assertThat((long) e.getValue()).as("device %d shared deliveries", e.getKey())
          .isLessThanOrEqualTo(groupsWithDevice);
    }
  }

  @Provide
  Arbitrary<Case> cases() {
    Arbitrary<Sub> sub = Combinators.combine(Arbitraries.integers().between(0, 5),
        Arbitraries.of("", "m/", "m/${clientid}/", "$sys/", "+/"),
        Arbitraries.of("c1", "c2"), filters())
        .as(Sub::new);
    return Combinators.combine(sub.list().ofMinSize(0).ofMaxSize(12),
        Arbitraries.of("", "m/", "m/c1/", "$sys/"), topics()).as(Case::new);
  }

  private static Arbitrary<String> topics() {
    return Arbitraries.of("a", "b", "$x", "", "m", "c1").list().ofMinSize(1).ofMaxSize(5)
        .map(l -> String.join("/", l));
  }

  private static Arbitrary<String> filters() {
    Arbitrary<String> plain = Combinators.combine(
        Arbitraries.of("a", "b", "$x", "", "+", "m", "c1").list().ofMinSize(0).ofMaxSize(4),
        Arbitraries.of("", "/#", "#", "/+")).as((levels, tail) -> {
          String f = String.join("/", levels) + tail;
          return f.isEmpty() ? "#" : f;
        });
    return Combinators.combine(Arbitraries.of("", "", "$share/g1/", "$share/g2/"), plain)
        .as(String::concat);
  }

  private static final class Recorder implements Subscriber {
    final int device;
    int count;

    Recorder(int device) {
      this.device = device;
    }

    @Override
    public void deliver(BrokerMessage message, int qos) {
      count++;
    }
  }

}
