package io.exproto.examples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.exproto.handler.Message;
import io.exproto.handler.ResultCode;
import io.exproto.handler.TimerType;
import io.exproto.testkit.FakeAdapter;
import io.exproto.testkit.FakeAdapter.Call;
import io.exproto.testkit.FakeAdapter.Operation;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The handler alone, against the testkit's FakeAdapter: no gateway, no sockets, no threads. */
class TextPubSubHandlerTest {
  private final FakeAdapter adapter = new FakeAdapter();
  private final TextPubSubHandler handler = new TextPubSubHandler(adapter);

  private void line(String text) {
    assertThat(handler.onReceivedBytes("c1", text.getBytes(UTF_8)).toCompletableFuture())
        .isCompleted();
  }

  @Test
  void connectAuthenticatesStartsAKeepaliveAndAnswersOk() {
    line("CONNECT dev-1 s3cret");

    Call auth = adapter.calls(Operation.AUTHENTICATE).get(0);
    assertThat(auth.conn()).isEqualTo("c1");
    assertThat(auth.clientInfo().clientId()).isEqualTo("dev-1");
    assertThat(auth.password()).isEqualTo("s3cret");
    assertThat(adapter.calls(Operation.START_TIMER)).singleElement().satisfies(t -> {
      assertThat(t.timerType()).isEqualTo(TimerType.KEEPALIVE);
      assertThat(t.intervalSeconds()).isEqualTo(TextPubSubHandler.KEEPALIVE_SECONDS);
    });
    assertThat(adapter.sentText("c1")).isEqualTo("OK\n");
  }

  @Test
  void aRefusedLoginStartsNoTimerAndReportsTheCode() {
    adapter.answer(Operation.AUTHENTICATE, ResultCode.PERMISSION_DENY);

    line("CONNECT dev-1 wrong");

    assertThat(adapter.calls(Operation.START_TIMER)).isEmpty();
    assertThat(adapter.sentText("c1")).startsWith("ERR PERMISSION_DENY ");
  }

  @Test
  void publishAndSubscribeGoThroughTheAdapterAndAnswerItsCode() {
    line("SUB sensors/+/temp");
    adapter.answer(Operation.PUBLISH, ResultCode.PARAMS_TYPE_ERROR);
    line("PUB sensors/1/temp 21.5 C");

    assertThat(adapter.calls(Operation.SUBSCRIBE)).singleElement()
        .extracting(Call::topic).isEqualTo("sensors/+/temp");
    Call pub = adapter.calls(Operation.PUBLISH).get(0);
    assertThat(pub.topic()).isEqualTo("sensors/1/temp");
    assertThat(pub.text()).isEqualTo("21.5 C");
    assertThat(adapter.sentText("c1")).startsWith("OK\nERR PARAMS_TYPE_ERROR ");
  }

  @Test
  void badCommandsAreAnsweredWithoutCallingTheAdapter() {
    line("HELLO");
    line("PUB onlytopic");

    assertThat(adapter.calls()).extracting(Call::operation).containsOnly(Operation.SEND);
    assertThat(adapter.sentText("c1"))
        .isEqualTo("ERR unknown command: HELLO\nERR usage: PUB <topic> <text>\n");
  }

  @Test
  void deliveredMessagesBecomeMsgLinesAndQuitCloses() {
    handler.onReceivedMessages("c1", List.of(
        new Message("n", "1", 0, "dev-2", "a/b", "one".getBytes(UTF_8), 0),
        new Message("n", "2", 0, "dev-2", "a/c", "two".getBytes(UTF_8), 0)));
    line("QUIT");

    assertThat(adapter.sentText("c1")).isEqualTo("MSG a/b one\nMSG a/c two\n");
    assertThat(adapter.closed("c1")).isTrue();
  }
}
