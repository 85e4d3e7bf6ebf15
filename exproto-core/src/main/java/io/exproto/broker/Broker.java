package io.exproto.broker;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The pub/sub fabric behind the gateway. {@link InMemoryBroker} is the reference implementation;
 * other implementations bridge to an external broker.
 *
 * <p>Topics and filters given to a broker have already been validated with {@link Topics} and
 * carry their mountpoint. Filters may be shared subscriptions, {@code $share/<group>/<filter>}:
 * each matching message goes to one member of the group. Methods are thread-safe, never block,
 * and report failure by completing the stage exceptionally.
 */
public interface Broker {

  /** Routes {@code message} to every matching subscription. */
  CompletionStage<Void> publish(BrokerMessage message);

  /**
   * Subscribes {@code subscriber} to {@code filter}; subscribing again to the same filter replaces
   * the qos.
   */
  CompletionStage<Void> subscribe(String filter, int qos, Subscriber subscriber);

  /** Removes the subscription; completes normally if there was none. */
  CompletionStage<Void> unsubscribe(String filter, Subscriber subscriber);

  /**
   * Opens the session of a client the gateway has authenticated. The gateway calls it once per
   * successful Authenticate, before the client becomes visible, and publishes, subscribes and
   * unsubscribes for that client through the session from then on; it closes the session when
   * the client's connection closes.
   *
   * <p>A broker that bridges to an external broker opens the client's session there and may
   * refuse it: the stage then fails with a {@link BrokerRefusedException} carrying the broker's
   * reason, and the gateway answers Authenticate with PERMISSION_DENY. Any other failure answers
   * UNKNOWN. While the session lives, the broker may end it by calling
   * {@link Subscriber#sessionEnded} with the reason; the gateway then closes the connection.
   *
   * <p>The default routes through {@link #publish}, {@link #subscribe} and {@link #unsubscribe}
   * with {@code subscriber} and unsubscribes whatever is left at close; it never fails and never
   * ends a session by itself, so a broker that implements only the three methods keeps working.
   *
   * @param request the client's credentials
   * @param subscriber receives the session's deliveries and, if the broker ends the session, the
   *     reason
   */
  default CompletionStage<BrokerSession> openSession(SessionRequest request,
      Subscriber subscriber) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(subscriber, "subscriber");
    return CompletableFuture.completedStage(new DirectSession(this, subscriber));
  }

  /**
   * Finishes the QoS 1 and 2 work still pending toward the broker (publishes not yet acknowledged
   * by an external broker, say). The gateway calls it once during a graceful
   * {@link io.exproto.gateway.Gateway#shutdown()}, after every connection has closed (so nothing
   * new is published), and waits for the stage at most what is left of its drain timeout; a
   * stage that fails is logged. Must not block.
   *
   * <p>The default completes at once: a broker that hands messages over synchronously, such as
   * {@link InMemoryBroker}, has nothing pending.
   */
  default CompletionStage<Void> flush() {
    return CompletableFuture.completedFuture(null);
  }
}
