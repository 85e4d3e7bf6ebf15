package io.exproto.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.exproto.handler.CallbackFailedException;
import java.net.ConnectException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CallbackFailureLogTest {
  private final AtomicLong now = new AtomicLong(1_000);
  private final CallbackFailureLog failures = new CallbackFailureLog(now::get);
  private final CallbackFailedException unavailable = new CallbackFailedException("unavailable",
      new IllegalStateException("UNAVAILABLE: io exception",
          new ConnectException("Connection refused: /127.0.0.1:9001")));

  @Test
  void aDeadHandlerWithTenThousandDevicesLogsOneLinePerWindow() {
    int logged = 0;
    for (int i = 0; i < 10_000; i++) {
      logged += failures.failed("c" + i, "on_socket_created", "unavailable", "handler-a",
          unavailable) ? 1 : 0;
    }
    assertThat(logged).isEqualTo(1);
    now.addAndGet(CallbackFailureLog.WINDOW_NANOS);
    assertThat(failures.failed("c", "on_socket_created", "unavailable", "handler-a", unavailable))
        .isTrue();
  }

  @Test
  void eachKindOfFailureHasItsOwnWindow() {
    assertThat(failures.failed("c1", "on_socket_created", "unavailable", "a", unavailable)).isTrue();
    assertThat(failures.failed("c2", "on_received_bytes", "unavailable", "a", unavailable)).isTrue();
    assertThat(failures.failed("c3", "on_socket_created", "deadline_exceeded", "a", unavailable))
        .isTrue();
    assertThat(failures.failed("c4", "on_socket_created", "unavailable", "b", unavailable)).isTrue();
    assertThat(failures.failed("c5", "on_socket_created", "unavailable", "a", unavailable))
        .isFalse();
  }

  @Test
  void theCauseNamesTheRootCause() {
    assertThat(CallbackFailureLog.cause(new CompletionException(unavailable)))
        .isEqualTo("java.lang.IllegalStateException: UNAVAILABLE: io exception (caused by"
            + " java.net.ConnectException: Connection refused: /127.0.0.1:9001)");
    assertThat(CallbackFailureLog.cause(new IllegalStateException("boom")))
        .isEqualTo("java.lang.IllegalStateException: boom");
  }
}
