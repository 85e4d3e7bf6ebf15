package io.exproto.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.exproto.auth.AuthResult;
import io.exproto.auth.Authorizer;
import io.exproto.handler.AdapterResult;
import io.exproto.handler.ClientInfo;
import io.exproto.handler.ResultCode;
import io.exproto.handler.TimerType;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Every row of the result-code table in docs/behaviour.md, against the Java adapter. */
class AdapterResultCodesTest extends EngineFixture {

  private static void assertCode(AdapterResult r, ResultCode code) {
    assertThat(r.code()).as("result %s", r).isEqualTo(code);
    if (code != ResultCode.SUCCESS) {
      assertThat(r.message()).as("plain-English message").isNotBlank();
    }
  }

  @Test
  void successSendsBytes() throws Exception {
    start();
    String conn = connect();
    assertCode(await(adapter.send(conn, "hi".getBytes(StandardCharsets.UTF_8))), ResultCode.SUCCESS);
    assertThat(lastDevice.awaitWrites(1, WAIT).get(0)).asString().isEqualTo("hi");
  }

  @Test
  void unknownMalformedAndClosedConnAreNotAlive() throws Exception {
    start();
    String conn = connect();
    assertCode(await(adapter.send("AAAAAAAAAAAAAAAAAAAAAA", new byte[1])),
        ResultCode.CONN_PROCESS_NOT_ALIVE);
    assertCode(await(adapter.send("not a conn!", new byte[1])), ResultCode.CONN_PROCESS_NOT_ALIVE);
    assertCode(await(adapter.send(null, new byte[1])), ResultCode.CONN_PROCESS_NOT_ALIVE);
    assertCode(await(adapter.send("", new byte[1])), ResultCode.CONN_PROCESS_NOT_ALIVE);
    lastDevice.close();
    handler.awaitClosed(conn, WAIT);
    for (var r : new AdapterResult[] {
        await(adapter.send(conn, new byte[1])), await(adapter.close(conn)),
        await(adapter.authenticate(conn, ClientInfo.of("c", "u"), "")),
        await(adapter.startTimer(conn, TimerType.KEEPALIVE, 5)),
        await(adapter.publish(conn, "t", 0, new byte[0])),
        await(adapter.subscribe(conn, "t", 0)), await(adapter.unsubscribe(conn, "t"))}) {
      assertCode(r, ResultCode.CONN_PROCESS_NOT_ALIVE);
    }
  }

  @Test
  void authenticateWithoutClientInfoIsRequiredParamsMissed() throws Exception {
    start();
    String conn = connect();
    assertCode(await(adapter.authenticate(conn, null, "pw")), ResultCode.REQUIRED_PARAMS_MISSED);
    // Still not authenticated, and may authenticate properly now.
    assertCode(auth(conn, "c1"), ResultCode.SUCCESS);
  }

  @Test
  void duplicateAuthenticateIsDenied() throws Exception {
    start();
    String conn = connect();
    assertCode(auth(conn, "c1"), ResultCode.SUCCESS);
    AdapterResult again = auth(conn, "c1");
    assertCode(again, ResultCode.PERMISSION_DENY);
    assertThat(again.message()).isEqualTo("Duplicated authenticate command");
  }

  @Test
  void rejectedAuthenticationKeepsSocketOpenAndAllowsRetry() throws Exception {
    start(b -> b.authenticator(c -> CompletableFuture.completedStage(
        c.password().equals("right") ? AuthResult.allow() : AuthResult.deny("bad password"))));
    String conn = connect();
    AdapterResult denied = await(adapter.authenticate(conn, ClientInfo.of("c1", "u"), "wrong"));
    assertCode(denied, ResultCode.PERMISSION_DENY);
    assertThat(denied.message()).isEqualTo("bad password");
    assertThat(lastDevice.isClosedByGateway()).isFalse();
    assertCode(await(adapter.authenticate(conn, ClientInfo.of("c1", "u"), "right")),
        ResultCode.SUCCESS);
    assertThat(gateway.clients()).extracting(c -> c.clientId()).containsExactly("c1");
  }

  @Test
  void pubSubBeforeAuthenticateIsDenied() throws Exception {
    start();
    String conn = connect();
    assertCode(await(adapter.publish(conn, "t", 0, new byte[0])), ResultCode.PERMISSION_DENY);
    assertCode(await(adapter.subscribe(conn, "t", 0)), ResultCode.PERMISSION_DENY);
    assertCode(await(adapter.unsubscribe(conn, "t")), ResultCode.PERMISSION_DENY);
  }

  @Test
  void sendCloseStartTimerAreAllowedBeforeAuthenticate() throws Exception {
    start();
    String conn = connect();
    assertCode(await(adapter.send(conn, new byte[] {1})), ResultCode.SUCCESS);
    assertCode(await(adapter.startTimer(conn, TimerType.KEEPALIVE, 10)), ResultCode.SUCCESS);
    assertCode(await(adapter.close(conn)), ResultCode.SUCCESS);
    assertThat(handler.awaitClosed(conn, WAIT)).isEqualTo("{shutdown,normal}");
  }

  @Test
  void badQosTimerAndTopicsAreParamsTypeError() throws Exception {
    start();
    String conn = connect();
    assertCode(auth(conn, "c1"), ResultCode.SUCCESS);
    assertCode(await(adapter.publish(conn, "t", 3, new byte[0])), ResultCode.PARAMS_TYPE_ERROR);
    assertCode(await(adapter.publish(conn, "t", -1, new byte[0])), ResultCode.PARAMS_TYPE_ERROR);
    assertCode(await(adapter.subscribe(conn, "t", 3)), ResultCode.PARAMS_TYPE_ERROR);
    assertCode(await(adapter.startTimer(conn, TimerType.KEEPALIVE, 0)), ResultCode.PARAMS_TYPE_ERROR);
    assertCode(await(adapter.startTimer(conn, null, 10)), ResultCode.PARAMS_TYPE_ERROR);
    for (String bad : new String[] {"", "a/+", "a/#", "+", "a\u0000b"}) {
      assertCode(await(adapter.publish(conn, bad, 0, new byte[0])), ResultCode.PARAMS_TYPE_ERROR);
    }
    assertCode(await(adapter.publish(conn, null, 0, new byte[0])), ResultCode.PARAMS_TYPE_ERROR);
    for (String bad : new String[] {"", "a/#/b", "a+", "#a", "$share/g", "$share//t"}) {
      assertCode(await(adapter.subscribe(conn, bad, 0)), ResultCode.PARAMS_TYPE_ERROR);
      assertCode(await(adapter.unsubscribe(conn, bad)), ResultCode.PARAMS_TYPE_ERROR);
    }
    assertThat(broker.subscriptionCount()).isZero();
  }

  @Test
  void authorizationDenyIsPermissionDeny() throws Exception {
    start(b -> b.authorizer(Authorizer.sync((client, action, topic) -> !topic.startsWith("secret")
        || action == Authorizer.Action.SUBSCRIBE && client.clientId().equals("admin"))));
    String conn = connect();
    assertCode(auth(conn, "c1"), ResultCode.SUCCESS);
    AdapterResult pub = await(adapter.publish(conn, "secret/x", 0, new byte[0]));
    assertCode(pub, ResultCode.PERMISSION_DENY);
    assertThat(pub.message()).isEqualTo("Authorization deny");
    assertCode(await(adapter.subscribe(conn, "secret/#", 0)), ResultCode.PERMISSION_DENY);
    assertCode(await(adapter.publish(conn, "public/x", 0, new byte[0])), ResultCode.SUCCESS);
  }

  @Test
  void rawPublishWithBadQosOrTopicIsParamsTypeError() throws Exception {
    start();
    assertCode(await(adapter.rawPublish("t", 3, new byte[0])), ResultCode.PARAMS_TYPE_ERROR);
    assertCode(await(adapter.rawPublish("a/+", 0, new byte[0])), ResultCode.PARAMS_TYPE_ERROR);
    assertCode(await(adapter.rawPublish("", 0, new byte[0])), ResultCode.PARAMS_TYPE_ERROR);
    assertCode(await(adapter.rawPublish("t", 2, null)), ResultCode.SUCCESS);
  }

  @Test
  void unsubscribeOfTopicNotSubscribedSucceeds() throws Exception {
    start();
    String conn = connect();
    assertCode(auth(conn, "c1"), ResultCode.SUCCESS);
    assertCode(await(adapter.unsubscribe(conn, "never/subscribed")), ResultCode.SUCCESS);
  }

  @Test
  void emptyClientIdGetsAUniqueIdAndProtoNameDefaults() throws Exception {
    start(b -> b.authenticator(c -> CompletableFuture.completedStage(
        c.protoName().equals("exproto") ? AuthResult.allow() : AuthResult.deny("proto"))));
    String a = connect();
    String b = connect();
    assertCode(await(adapter.authenticate(a, new ClientInfo("", "", "", "", "ignored/"), "")),
        ResultCode.SUCCESS);
    assertCode(await(adapter.authenticate(b, new ClientInfo(null, null, null, null, null), null)),
        ResultCode.SUCCESS);
    assertThat(gateway.clients()).hasSize(2);
    assertThat(gateway.clients().get(0).clientId()).isNotEqualTo(gateway.clients().get(1).clientId());
  }
}
