package io.exproto.grpc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.exproto.grpc.internal.AdapterService;
import io.exproto.grpc.v1.AuthenticateRequest;
import io.exproto.grpc.v1.ClientInfo;
import io.exproto.grpc.v1.CodeResponse;
import io.exproto.grpc.v1.ConnectionAdapterGrpc;
import io.exproto.grpc.v1.ConnectionAdapterGrpc.ConnectionAdapterBlockingStub;
import io.exproto.handler.AdapterResult;
import io.exproto.handler.ResultCode;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An Authenticate password never reaches the log (slf4j-simple writes to System.err in tests;
 * AdapterService logs at debug there, see the pom) nor, masked, an answer, on every path that
 * logs, including a stage failing with an exception that quotes the password or the request.
 */
class PasswordNeverLoggedTest {
  private static final String PASSWORD = "s3cret-PASS";

  @RegisterExtension final GrpcCleanup grpc = new GrpcCleanup();

  private final RecordingAdapter adapter = new RecordingAdapter();
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  private PrintStream originalErr;
  private ManagedChannel channel;
  private ConnectionAdapterBlockingStub stub;

  @BeforeEach
  void captureStderrAndStart() throws Exception {
    originalErr = System.err;
    System.setErr(new PrintStream(captured, true, UTF_8));
    String name = InProcessServerBuilder.generateName();
    grpc.register(InProcessServerBuilder.forName(name)
        .addService(new AdapterService(adapter, 1))
        .build().start());
    channel = grpc.register(InProcessChannelBuilder.forName(name).build());
    stub = ConnectionAdapterGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);
  }

  @AfterEach
  void restoreStderr() {
    System.setErr(originalErr);
    originalErr.print(log()); // keep it visible in the test report
  }

  private String log() {
    return captured.toString(UTF_8);
  }

  private static AuthenticateRequest request() {
    return AuthenticateRequest.newBuilder()
        .setConn("conn-1")
        .setClientinfo(ClientInfo.newBuilder().setClientid("dev-1").setUsername("alice"))
        .setPassword(PASSWORD)
        .build();
  }

  private void assertNoPasswordIn(CodeResponse response) {
    assertThat(response.getMessage()).doesNotContain(PASSWORD);
    assertThat(log()).doesNotContain(PASSWORD);
  }

  @Test
  void aStageFailingWithThePasswordInItsMessageAndCause() {
    // A careless authenticator: the password in the message, the request in the cause.
    adapter.answer = () -> CompletableFuture.failedStage(new CompletionException(
        new IllegalStateException("authenticator broke on password " + PASSWORD,
            new RuntimeException("while handling " + request()))));

    CodeResponse response = stub.authenticate(request());

    assertThat(response.getCode()).isEqualTo(io.exproto.grpc.v1.ResultCode.UNKNOWN);
    assertThat(response.getMessage()).isEqualTo("authenticator broke on password ******");
    assertNoPasswordIn(response);
    assertThat(log())
        .contains("Adapter operation Authenticate for conn 'conn-1' failed unexpectedly")
        .contains("java.lang.IllegalStateException: authenticator broke on password ******")
        .contains("Caused by: java.lang.RuntimeException: while handling")
        .contains("password: \"******\"")
        .contains("at io.exproto.grpc.PasswordNeverLoggedTest"); // the stack trace is kept
  }

  @Test
  void anAdapterThatThrowsWithThePassword() {
    adapter.answer = () -> {
      throw new IllegalArgumentException("bad credentials alice/" + PASSWORD);
    };

    CodeResponse response = stub.authenticate(request());

    assertThat(response.getCode()).isEqualTo(io.exproto.grpc.v1.ResultCode.UNKNOWN);
    assertNoPasswordIn(response);
    assertThat(log()).contains("bad credentials alice/******");
  }

  @Test
  void aRejectionReasonQuotingThePassword() {
    adapter.answerWith(AdapterResult.of(ResultCode.PERMISSION_DENY,
        "wrong password " + PASSWORD));

    CodeResponse response = stub.authenticate(request());

    assertThat(response.getCode()).isEqualTo(io.exproto.grpc.v1.ResultCode.PERMISSION_DENY);
    assertThat(response.getMessage()).isEqualTo("wrong password ******");
    assertNoPasswordIn(response);
  }

  @Test
  void aFailureWithoutThePasswordIsLoggedAsIs() {
    IllegalStateException failure = new IllegalStateException("store unavailable");
    adapter.answer = () -> CompletableFuture.failedStage(failure);

    CodeResponse response = stub.authenticate(request());

    assertThat(response.getMessage()).isEqualTo("store unavailable");
    assertThat(log()).contains("java.lang.IllegalStateException: store unavailable");
    assertNoPasswordIn(response);
  }

  @Test
  void aNullResultAndAMissingStage() {
    adapter.answer = () -> CompletableFuture.completedStage(null);
    CodeResponse nullResult = stub.authenticate(request());
    adapter.answer = () -> null;
    CodeResponse noStage = stub.authenticate(request());

    assertThat(log()).contains("without a result").contains("returned no stage");
    assertNoPasswordIn(nullResult);
    assertNoPasswordIn(noStage);
  }

  @Test
  void anOverloadRejectionAndALateAnswerToAGoneClient() {
    CompletableFuture<AdapterResult> held = new CompletableFuture<>();
    adapter.answer = () -> held;
    var first = ConnectionAdapterGrpc.newFutureStub(channel)
        .withDeadlineAfter(5, TimeUnit.SECONDS).authenticate(request());
    await().atMost(Duration.ofSeconds(5)).until(() -> adapter.calls.size() == 1);

    assertThatThrownBy(() -> stub.authenticate(request()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
          assertThat(e.getMessage()).doesNotContain(PASSWORD);
        });
    first.cancel(true);
    held.completeExceptionally(new IllegalStateException("late: " + PASSWORD));

    assertThat(log()).contains("Rejected Authenticate for conn 'conn-1'")
        .contains("late: ******")
        .doesNotContain(PASSWORD);
  }

  @Test
  void theRecordedPasswordStillReachesTheAdapterUnmasked() {
    stub.authenticate(request());

    assertThat(adapter.onlyCall().password()).isEqualTo(PASSWORD);
    assertThat(log()).doesNotContain(PASSWORD);
  }
}
