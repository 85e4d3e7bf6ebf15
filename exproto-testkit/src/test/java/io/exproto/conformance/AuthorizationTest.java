package io.exproto.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.exproto.auth.AuthResult;
import io.exproto.auth.Authorizer;
import io.exproto.auth.Authorizer.Decision;
import io.exproto.auth.ClientIdentity;
import io.exproto.handler.AdapterResult;
import io.exproto.handler.ClientInfo;
import io.exproto.handler.ResultCode;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The engine's side of authentication and authorization: asynchronous decisions, their order,
 * their timeout, superusers, disconnect on deny, and listeners that skip authentication.
 */
class AuthorizationTest extends EngineFixture {

  /** An authorizer whose decisions the test completes by hand. */
  static final class ManualAuthorizer implements Authorizer {
    final ConcurrentLinkedQueue<CompletableFuture<Decision>> pending =
        new ConcurrentLinkedQueue<>();
    final List<String> asked = new CopyOnWriteArrayList<>();

    @Override
    public CompletionStage<Decision> authorize(ClientIdentity client, Action action,
        String topic) {
      asked.add(action + " " + topic);
      CompletableFuture<Decision> f = new CompletableFuture<>();
      pending.add(f);
      return f;
    }
  }

  @Test
  void aSlowDecisionIsAwaitedAndCallsKeepTheirOrder() throws Exception {
    ManualAuthorizer authz = new ManualAuthorizer();
    start(b -> b.authorizer(authz));
    String conn = connect();
    assertThat(auth(conn, "c1").isSuccess()).isTrue();
    CompletableFuture<AdapterResult> first =
        adapter.publish(conn, "a", 0, new byte[0]).toCompletableFuture();
    CompletableFuture<AdapterResult> second =
        adapter.subscribe(conn, "b/#", 0).toCompletableFuture();
    // The second check is not even asked until the first is decided.
    org.awaitility.Awaitility.await().atMost(WAIT).until(() -> authz.asked.size() == 1);
    assertThat(first).isNotDone();
    authz.pending.poll().complete(Decision.DENY);
    assertThat(first.get(5, java.util.concurrent.TimeUnit.SECONDS).code())
        .isEqualTo(ResultCode.PERMISSION_DENY);
    org.awaitility.Awaitility.await().atMost(WAIT).until(() -> authz.asked.size() == 2);
    assertThat(authz.asked).containsExactly("PUBLISH a", "SUBSCRIBE b/#");
    assertThat(second).isNotDone();
    authz.pending.poll().complete(Decision.ALLOW);
    assertThat(second.get(5, java.util.concurrent.TimeUnit.SECONDS).code())
        .isEqualTo(ResultCode.SUCCESS);
    assertThat(broker.subscriptionCount()).isEqualTo(1);
  }

  @Test
  void aDecisionNotMadeInTimeIsADenial() throws Exception {
    ManualAuthorizer authz = new ManualAuthorizer();
    start(b -> b.authorizer(authz).authTimeout(Duration.ofSeconds(2)));
    String conn = connect();
    assertThat(auth(conn, "c1").isSuccess()).isTrue();
    CompletableFuture<AdapterResult> pub =
        adapter.publish(conn, "t", 0, new byte[0]).toCompletableFuture();
    org.awaitility.Awaitility.await().atMost(WAIT).until(() -> authz.asked.size() == 1);
    listener.awaitQueuedTasks(WAIT);
    clock.advance(Duration.ofMillis(1999));
    assertThat(pub).isNotDone();
    clock.advance(Duration.ofMillis(1));
    AdapterResult r = pub.get(5, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(r.code()).isEqualTo(ResultCode.PERMISSION_DENY);
    assertThat(r.message()).isEqualTo("Authorization deny");
    // A late answer changes nothing, and the connection goes on.
    authz.pending.poll().complete(Decision.ALLOW);
    assertThat(lastDevice.isClosedByGateway()).isFalse();
  }

  @Test
  void aFailedOrNullDecisionIsADenial() throws Exception {
    start(b -> b.authorizer((c, a, t) -> t.equals("throws") ? failing()
        : t.equals("null") ? CompletableFuture.completedStage(null)
        : CompletableFuture.failedStage(new IllegalStateException("source down"))));
    String conn = connect();
    assertThat(auth(conn, "c1").isSuccess()).isTrue();
    for (String t : new String[] {"throws", "null", "failed"}) {
      assertThat(await(adapter.publish(conn, t, 0, new byte[0])).code())
          .as(t).isEqualTo(ResultCode.PERMISSION_DENY);
    }
  }

  private static CompletionStage<Decision> failing() {
    throw new IllegalStateException("bug in the authorizer");
  }

  @Test
  void disconnectDecisionClosesWithNotAuthorized() throws Exception {
    start(b -> b.authorizer((c, a, t) -> CompletableFuture.completedStage(
        t.startsWith("forbidden") ? Decision.DISCONNECT : Decision.ALLOW)));
    String conn = connect();
    assertThat(auth(conn, "c1").isSuccess()).isTrue();
    assertThat(await(adapter.publish(conn, "fine", 0, new byte[0])).isSuccess()).isTrue();
    AdapterResult r = await(adapter.subscribe(conn, "forbidden/#", 0));
    assertThat(r.code()).isEqualTo(ResultCode.PERMISSION_DENY);
    assertThat(handler.awaitClosed(conn, WAIT)).isEqualTo("{shutdown,not_authorized}");
  }

  @Test
  void superusersSkipTheAuthorizer() throws Exception {
    ManualAuthorizer authz = new ManualAuthorizer();
    start(b -> b.authorizer(authz).authenticator(c -> CompletableFuture.completedStage(
        AuthResult.allow(c.username().equals("root"), null))));
    String root = connect();
    assertThat(await(adapter.authenticate(root, ClientInfo.of("r", "root"), "")).isSuccess())
        .isTrue();
    assertThat(await(adapter.publish(root, "any/thing", 0, new byte[0])).isSuccess()).isTrue();
    assertThat(await(adapter.subscribe(root, "#", 0)).isSuccess()).isTrue();
    assertThat(authz.asked).isEmpty();
    String plain = connect();
    assertThat(await(adapter.authenticate(plain, ClientInfo.of("p", "joe"), "")).isSuccess())
        .isTrue();
    CompletableFuture<AdapterResult> pub =
        adapter.publish(plain, "any/thing", 0, new byte[0]).toCompletableFuture();
    org.awaitility.Awaitility.await().atMost(WAIT).until(() -> authz.asked.size() == 1);
    authz.pending.poll().complete(Decision.DENY);
    assertThat(pub.get(5, java.util.concurrent.TimeUnit.SECONDS).code())
        .isEqualTo(ResultCode.PERMISSION_DENY);
  }

  @Test
  void anAuthenticatorThatNeverAnswersIsADenialAfterTheTimeout() throws Exception {
    java.util.concurrent.CountDownLatch asked = new java.util.concurrent.CountDownLatch(1);
    start(b -> b.authenticator(c -> {
      asked.countDown();
      return new CompletableFuture<>();
    }).authTimeout(Duration.ofSeconds(3)));
    String conn = connect();
    CompletableFuture<AdapterResult> r =
        adapter.authenticate(conn, ClientInfo.of("c1", "u"), "pw").toCompletableFuture();
    assertThat(asked.await(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    listener.awaitQueuedTasks(WAIT);
    clock.advance(Duration.ofSeconds(2));
    assertThat(r).isNotDone();
    clock.advance(Duration.ofSeconds(1));
    assertThat(r.get(5, java.util.concurrent.TimeUnit.SECONDS).code())
        .isEqualTo(ResultCode.PERMISSION_DENY);
    assertThat(gateway.clients()).isEmpty();
  }

  @Test
  void aListenerWithoutAuthenticationSkipsTheAuthenticatorButNotTheAuthorizer()
      throws Exception {
    start(b -> b.authenticator(c -> CompletableFuture.completedStage(AuthResult.deny("no")))
        .authorizer(Authorizer.sync((c, a, t) -> !t.equals("secret"))));
    listener.authenticationEnabled(false); // read at each Authenticate
    String conn = connect();
    assertThat(await(adapter.authenticate(conn, ClientInfo.of("c1", "u"), "any")).isSuccess())
        .isTrue();
    assertThat(await(adapter.publish(conn, "secret", 0, new byte[0])).code())
        .isEqualTo(ResultCode.PERMISSION_DENY);
    assertThat(await(adapter.publish(conn, "open", 0, new byte[0])).isSuccess()).isTrue();
  }

  @Test
  void theAuthorizerSeesTheCertificateAndTheSuperuserFlag() throws Exception {
    List<ClientIdentity> seen = new CopyOnWriteArrayList<>();
    start(b -> b.authorizer(Authorizer.sync((c, a, t) -> seen.add(c))));
    String conn = connect();
    assertThat(auth(conn, "c1").isSuccess()).isTrue();
    assertThat(await(adapter.publish(conn, "t", 0, new byte[0])).isSuccess()).isTrue();
    assertThat(seen).singleElement().satisfies(id -> {
      assertThat(id.clientId()).isEqualTo("c1");
      assertThat(id.superuser()).isFalse();
      assertThat(id.listener()).isEqualTo("default");
    });
  }
}
