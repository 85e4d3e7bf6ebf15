package io.exproto.broker;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The subscriptions of {@link InMemoryBroker}: a trie keyed by topic levels, with the wildcard
 * children {@code +} and {@code #} in their own slots. Each node holds the plain subscriptions of
 * the filter that ends there (subscriber to qos) and its shared groups (group name to members).
 *
 * <p>Thread-safety: mutations are serialized by a lock; {@link #forEachMatch} takes no lock at all.
 * Every mutable field is volatile or a concurrent map and a node is fully built before it is
 * linked, so a matcher sees a consistent (if possibly slightly stale) trie and publishing never
 * waits for subscribers. Empty nodes and empty maps are unlinked on removal, so memory follows the
 * number of live subscriptions, not the history of churn.
 */
final class TopicTrie {

  /** Receives a match: the subscriber and the qos it subscribed with. */
  @FunctionalInterface
  interface MatchVisitor {
    void onMatch(Subscriber subscriber, int subscriptionQos);
  }

  private final Object writeLock = new Object();
  private final Node root = new Node();
  private volatile int subscriptionCount;

  /**
   * Adds or updates a subscription.
   *
   * @param filter a valid non-shared filter
   * @param group the share group, or null for a plain subscription
   * @return true if the subscription is new, false if only its qos was replaced
   */
  boolean subscribe(String filter, String group, Subscriber subscriber, int qos) {
    String[] levels = split(filter);
    synchronized (writeLock) {
      Node node = root;
      for (String level : levels) {
        node = node.childForWrite(level);
      }
      boolean added = group == null
          ? node.addSubscriber(subscriber, qos)
          : node.addMember(group, subscriber, qos);
      if (added) {
        subscriptionCount++;
      }
      return added;
    }
  }

  /**
   * Removes a subscription and unlinks the nodes it leaves empty.
   *
   * @param filter a valid non-shared filter
   * @param group the share group, or null for a plain subscription
   * @return true if there was such a subscription
   */
  boolean unsubscribe(String filter, String group, Subscriber subscriber) {
    String[] levels = split(filter);
    synchronized (writeLock) {
      Node[] path = new Node[levels.length + 1];
      path[0] = root;
      for (int i = 0; i < levels.length; i++) {
        Node child = path[i].child(levels[i]);
        if (child == null) {
          return false;
        }
        path[i + 1] = child;
      }
      Node leaf = path[levels.length];
      boolean removed = group == null
          ? leaf.removeSubscriber(subscriber)
          : leaf.removeMember(group, subscriber);
      if (!removed) {
        return false;
      }
      subscriptionCount--;
      for (int i = levels.length; i > 0 && path[i].isEmpty(); i--) {
        path[i - 1].unlinkChild(levels[i - 1]);
      }
      return true;
    }
  }

  /**
   * Calls {@code visitor} for every subscription matching {@code topic}; for a shared group, for
   * the one member whose turn it is. Runs without locks, so the visitor may do anything, including
   * subscribing and unsubscribing.
   *
   * @param topic a valid topic name
   */
  void forEachMatch(String topic, MatchVisitor visitor) {
    String[] levels = split(topic);
    // MQTT 4.7.2: a topic starting with '$' is not matched by a filter starting with a wildcard.
    boolean dollarTopic = topic.charAt(0) == '$';
    // An explicit stack rather than recursion: topics and filters may have thousands of levels.
    Node[] nodes = new Node[8];
    int[] depths = new int[8];
    nodes[0] = root;
    int top = 1;
    while (top > 0) {
      top--;
      Node node = nodes[top];
      int depth = depths[top];
      nodes[top] = null;
      if (depth == levels.length) {
        node.visitSubscriptions(visitor);
        Node hash = node.hash;
        if (hash != null) {
          hash.visitSubscriptions(visitor); // "a/#" matches "a"
        }
        continue;
      }
      Node plus = null;
      if (depth > 0 || !dollarTopic) {
        Node hash = node.hash;
        if (hash != null) {
          hash.visitSubscriptions(visitor);
        }
        plus = node.plus;
      }
      Map<String, Node> children = node.children;
      Node child = children == null ? null : children.get(levels[depth]);
      if (top + 2 > nodes.length) {
        nodes = Arrays.copyOf(nodes, nodes.length * 2);
        depths = Arrays.copyOf(depths, depths.length * 2);
      }
      if (plus != null) {
        nodes[top] = plus;
        depths[top++] = depth + 1;
      }
      if (child != null) {
        nodes[top] = child;
        depths[top++] = depth + 1;
      }
    }
  }

  /** The number of subscriptions, plain and shared. */
  int subscriptionCount() {
    return subscriptionCount;
  }

  /** The number of nodes including the root; 1 when there are no subscriptions. */
  int nodeCount() {
    synchronized (writeLock) {
      int count = 0;
      Deque<Node> pending = new ArrayDeque<>();
      pending.push(root);
      while (!pending.isEmpty()) {
        count++;
        for (Node child : pending.pop().childNodes()) {
          pending.push(child);
        }
      }
      return count;
    }
  }

  private static String[] split(String topicOrFilter) {
    return topicOrFilter.split("/", -1); // -1 keeps trailing empty levels: "a/" is ["a", ""]
  }

  /** One level. Fields are written under the trie's lock and read without it. */
  private static final class Node {
    /** Literal children; null when there are none, to keep the many leaf nodes small. */
    volatile ConcurrentHashMap<String, Node> children;
    volatile Node plus;
    volatile Node hash;
    /** Plain subscriptions of the filter ending here; null when there are none. */
    volatile ConcurrentHashMap<Subscriber, Integer> subscribers;
    /** Shared groups of the filter ending here; null when there are none. */
    volatile ConcurrentHashMap<String, SharedGroup> groups;

    Node child(String level) {
      switch (level) {
        case "+":
          return plus;
        case "#":
          return hash;
        default:
          Map<String, Node> map = children;
          return map == null ? null : map.get(level);
      }
    }

    Node childForWrite(String level) {
      Node child = child(level);
      if (child != null) {
        return child;
      }
      child = new Node();
      switch (level) {
        case "+":
          plus = child;
          break;
        case "#":
          hash = child;
          break;
        default:
          ConcurrentHashMap<String, Node> map = children;
          if (map == null) {
            map = new ConcurrentHashMap<>(2);
            map.put(level, child);
            children = map;
          } else {
            map.put(level, child);
          }
      }
      return child;
    }

    void unlinkChild(String level) {
      switch (level) {
        case "+":
          plus = null;
          break;
        case "#":
          hash = null;
          break;
        default:
          Map<String, Node> map = children;
          if (map != null) {
            map.remove(level);
            if (map.isEmpty()) {
              children = null;
            }
          }
      }
    }

    boolean addSubscriber(Subscriber subscriber, int qos) {
      ConcurrentHashMap<Subscriber, Integer> map = subscribers;
      if (map == null) {
        map = new ConcurrentHashMap<>(2);
        map.put(subscriber, qos);
        subscribers = map;
        return true;
      }
      return map.put(subscriber, qos) == null;
    }

    boolean removeSubscriber(Subscriber subscriber) {
      Map<Subscriber, Integer> map = subscribers;
      if (map == null || map.remove(subscriber) == null) {
        return false;
      }
      if (map.isEmpty()) {
        subscribers = null;
      }
      return true;
    }

    boolean addMember(String groupName, Subscriber subscriber, int qos) {
      ConcurrentHashMap<String, SharedGroup> map = groups;
      SharedGroup group = map == null ? null : map.get(groupName);
      if (group == null) {
        group = new SharedGroup(new Member(subscriber, qos));
        if (map == null) {
          map = new ConcurrentHashMap<>(2);
          map.put(groupName, group);
          groups = map;
        } else {
          map.put(groupName, group);
        }
        return true;
      }
      return group.add(new Member(subscriber, qos));
    }

    boolean removeMember(String groupName, Subscriber subscriber) {
      Map<String, SharedGroup> map = groups;
      SharedGroup group = map == null ? null : map.get(groupName);
      if (group == null || !group.remove(subscriber)) {
        return false;
      }
      if (group.members.length == 0) {
        map.remove(groupName);
        if (map.isEmpty()) {
          groups = null;
        }
      }
      return true;
    }

    boolean isEmpty() {
      return children == null && plus == null && hash == null && subscribers == null
          && groups == null;
    }

    void visitSubscriptions(MatchVisitor visitor) {
      Map<Subscriber, Integer> subs = subscribers;
      if (subs != null) {
        subs.forEach(visitor::onMatch);
      }
      Map<String, SharedGroup> shared = groups;
      if (shared != null) {
        for (SharedGroup group : shared.values()) {
          Member member = group.next();
          if (member != null) {
            visitor.onMatch(member.subscriber, member.qos);
          }
        }
      }
    }

    Iterable<Node> childNodes() {
      List<Node> all = new ArrayList<>();
      Map<String, Node> map = children;
      if (map != null) {
        all.addAll(map.values());
      }
      Node p = plus;
      if (p != null) {
        all.add(p);
      }
      Node h = hash;
      if (h != null) {
        all.add(h);
      }
      return all;
    }
  }

  private record Member(Subscriber subscriber, int qos) {}

  /**
   * The members of one shared subscription ({@code $share/<group>/<filter>}). Members are an
   * array replaced on every change (groups are small and change rarely), so picking the next one
   * is an array read and an atomic increment.
   */
  private static final class SharedGroup {
    volatile Member[] members;
    private final AtomicInteger cursor = new AtomicInteger();

    SharedGroup(Member first) {
      members = new Member[] {first};
    }

    /** Round robin; null only if the group emptied while a matcher was looking at it. */
    Member next() {
      Member[] current = members;
      if (current.length == 0) {
        return null;
      }
      return current[Math.floorMod(cursor.getAndIncrement(), current.length)];
    }

    /** Adds a member or replaces its qos; returns true if it was added. Under the trie's lock. */
    boolean add(Member member) {
      Member[] current = members;
      for (int i = 0; i < current.length; i++) {
        if (current[i].subscriber.equals(member.subscriber)) {
          Member[] replaced = current.clone();
          replaced[i] = member;
          members = replaced;
          return false;
        }
      }
      Member[] grown = Arrays.copyOf(current, current.length + 1);
      grown[current.length] = member;
      members = grown;
      return true;
    }

    /** Removes a member; returns true if it was there. Under the trie's lock. */
    boolean remove(Subscriber subscriber) {
      Member[] current = members;
      for (int i = 0; i < current.length; i++) {
        if (current[i].subscriber.equals(subscriber)) {
          Member[] shrunk = new Member[current.length - 1];
          System.arraycopy(current, 0, shrunk, 0, i);
          System.arraycopy(current, i + 1, shrunk, i, current.length - i - 1);
          members = shrunk;
          return true;
        }
      }
      return false;
    }
  }
}
