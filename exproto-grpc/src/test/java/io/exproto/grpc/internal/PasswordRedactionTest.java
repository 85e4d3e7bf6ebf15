package io.exproto.grpc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.exproto.grpc.v1.AuthenticateRequest;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class PasswordRedactionTest {

  private static String printed(Throwable t) {
    StringWriter out = new StringWriter();
    t.printStackTrace(new PrintWriter(out));
    return out.toString();
  }

  @Test
  void masksEveryOccurrence() {
    assertThat(PasswordRedaction.text("pw=abc, again abc", "abc"))
        .isEqualTo("pw=******, again ******");
  }

  @Test
  void leavesTextAloneWithoutAPassword() {
    assertThat(PasswordRedaction.text("nothing", null)).isEqualTo("nothing");
    assertThat(PasswordRedaction.text("nothing", "")).isEqualTo("nothing");
    assertThat(PasswordRedaction.text(null, "abc")).isNull();
  }

  @Test
  void masksAPasswordAsProtobufTextFormatEscapesIt() {
    String password = "pässwörd\"\\";
    String request = AuthenticateRequest.newBuilder().setPassword(password).build().toString();
    assertThat(request).doesNotContain(password); // escaped, so a plain replace would miss it

    assertThat(PasswordRedaction.text("failed: " + request, password))
        .isEqualTo("failed: password: \"******\"\n");
  }

  @Test
  void returnsTheSameThrowableWhenNothingShowsThePassword() {
    RuntimeException failure = new RuntimeException("fine", new IllegalStateException("also"));

    assertThat(PasswordRedaction.throwable(failure, "secret")).isSameAs(failure);
    assertThat(PasswordRedaction.throwable(failure, null)).isSameAs(failure);
  }

  @Test
  void masksMessagesCausesAndSuppressedKeepingStackTraces() {
    RuntimeException failure = new RuntimeException("outer",
        new IllegalStateException("inner has secret"));
    failure.addSuppressed(new IllegalArgumentException("suppressed secret"));

    Throwable redacted = PasswordRedaction.throwable(failure, "secret");

    String printed = printed(redacted);
    assertThat(printed).doesNotContain("secret")
        .contains("java.lang.RuntimeException: outer")
        .contains("Caused by: java.lang.IllegalStateException: inner has ******")
        .contains("Suppressed: java.lang.IllegalArgumentException: suppressed ******")
        .contains("at io.exproto.grpc.internal.PasswordRedactionTest");
    assertThat(redacted.getStackTrace()).isEqualTo(failure.getStackTrace());
    assertThat(redacted.getMessage()).isEqualTo("outer");
  }

  @Test
  void masksAToStringThatShowsThePassword() {
    RuntimeException failure = new RuntimeException("plain message") {
      @Override
      public String toString() {
        return "custom with secret";
      }
    };

    assertThat(PasswordRedaction.throwable(failure, "secret").toString())
        .isEqualTo("custom with ******");
  }
}
