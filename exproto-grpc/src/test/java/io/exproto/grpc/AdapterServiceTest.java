package io.exproto.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.exproto.grpc.internal.AdapterService;
import io.exproto.grpc.v1.AuthenticateRequest;
import io.exproto.grpc.v1.ClientInfo;
import io.exproto.grpc.v1.CloseSocketRequest;
import io.exproto.grpc.v1.CodeResponse;
import io.exproto.grpc.v1.ConnectionAdapterGrpc;
import io.exproto.grpc.v1.ConnectionAdapterGrpc.ConnectionAdapterBlockingStub;
import io.exproto.grpc.v1.PublishRequest;
import io.exproto.grpc.v1.RawPublishRequest;
import io.exproto.grpc.v1.SendBytesRequest;
import io.exproto.grpc.v1.SubscribeRequest;
import io.exproto.grpc.v1.TimerRequest;
import io.exproto.grpc.v1.TimerType;
import io.exproto.grpc.v1.UnsubscribeRequest;
import io.exproto.handler.AdapterResult;
import io.exproto.handler.ResultCode;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class AdapterServiceTest {
  @RegisterExtension final GrpcCleanup grpc = new GrpcCleanup();

  private final RecordingAdapter adapter = new RecordingAdapter();
  private ConnectionAdapterBlockingStub stub;

  @BeforeEach
  void startServer() throws Exception {
    String name = InProcessServerBuilder.generateName();
    grpc.register(InProcessServerBuilder.forName(name)
        .addService(new AdapterService(adapter))
        .build()
        .start());
    stub = ConnectionAdapterGrpc.newBlockingStub(
        grpc.register(InProcessChannelBuilder.forName(name).build()))
        .withDeadlineAfter(5, TimeUnit.SECONDS);
  }

  @Test
  void sendPassesConnAndBytes() {
    CodeResponse response = stub.send(SendBytesRequest.newBuilder()
        .setConn("c1").setBytes(ByteString.copyFrom(new byte[] {0, 1, 2, (byte) 0xff})).build());

    assertThat(response.getCode()).isEqualTo(io.exproto.grpc.v1.ResultCode.SUCCESS);
    assertThat(response.getMessage()).isEmpty();
    RecordingAdapter.Call call = adapter.onlyCall();
    assertThat(call.operation()).isEqualTo("send");
    assertThat(call.conn()).isEqualTo("c1");
    assertThat(call.bytes()).containsExactly(0, 1, 2, 0xff);
  }

  @Test
  void closePassesConn() {
    stub.close(CloseSocketRequest.newBuilder().setConn("c2").build());

    assertThat(adapter.onlyCall().operation()).isEqualTo("close");
    assertThat(adapter.onlyCall().conn()).isEqualTo("c2");
  }

  @Test
  void authenticatePassesEveryClientInfoFieldAndThePassword() {
    stub.authenticate(AuthenticateRequest.newBuilder()
        .setConn("c3")
        .setClientinfo(ClientInfo.newBuilder()
            .setProtoName("demo").setProtoVer("v1").setClientid("dev-1").setUsername("alice")
            .setMountpoint("ignored/"))
        .setPassword("s3cret")
        .build());

    RecordingAdapter.Call call = adapter.onlyCall();
    assertThat(call.operation()).isEqualTo("authenticate");
    assertThat(call.conn()).isEqualTo("c3");
    assertThat(call.clientInfo()).isEqualTo(
        new io.exproto.handler.ClientInfo("demo", "v1", "dev-1", "alice", "ignored/"));
    assertThat(call.password()).isEqualTo("s3cret");
  }

  @Test
  void authenticateWithoutClientInfoPassesNull() {
    adapter.answerWith(AdapterResult.of(ResultCode.REQUIRED_PARAMS_MISSED, "clientinfo missing"));

    CodeResponse response = stub.authenticate(
        AuthenticateRequest.newBuilder().setConn("c4").build());

    assertThat(adapter.onlyCall().clientInfo()).isNull();
    assertThat(adapter.onlyCall().password()).isEmpty();
    assertThat(response.getCode()).isEqualTo(io.exproto.grpc.v1.ResultCode.REQUIRED_PARAMS_MISSED);
    assertThat(response.getMessage()).isEqualTo("clientinfo missing");
  }

  @Test
  void authenticateWithEmptyClientInfoPassesEmptyFields() {
    stub.authenticate(AuthenticateRequest.newBuilder()
        .setConn("c4").setClientinfo(ClientInfo.getDefaultInstance()).build());

    assertThat(adapter.onlyCall().clientInfo())
        .isEqualTo(new io.exproto.handler.ClientInfo("", "", "", "", ""));
  }

  @Test
  void startTimerPassesTypeAndInterval() {
    stub.startTimer(TimerRequest.newBuilder()
        .setConn("c5").setType(TimerType.KEEPALIVE).setInterval(60).build());

    RecordingAdapter.Call call = adapter.onlyCall();
    assertThat(call.operation()).isEqualTo("startTimer");
    assertThat(call.conn()).isEqualTo("c5");
    assertThat(call.timerType()).isEqualTo(io.exproto.handler.TimerType.KEEPALIVE);
    assertThat(call.number()).isEqualTo(60);
  }

  @Test
  void startTimerWithAnUnknownTypeNumberPassesNull() {
    stub.startTimer(TimerRequest.newBuilder().setConn("c5").setTypeValue(7).setInterval(1).build());

    assertThat(adapter.onlyCall().timerType()).isNull();
  }

  @Test
  void unsignedIntervalArrivesAsTheSameBits() {
    stub.startTimer(TimerRequest.newBuilder().setConn("c5").setInterval(0xFFFF_FFFF).build());

    assertThat(Integer.toUnsignedLong(adapter.onlyCall().number())).isEqualTo(4_294_967_295L);
  }

  @Test
  void publishPassesTopicQosAndPayload() {
    stub.publish(PublishRequest.newBuilder()
        .setConn("c6").setTopic("t/1").setQos(1).setPayload(ByteString.copyFromUtf8("hi")).build());

    RecordingAdapter.Call call = adapter.onlyCall();
    assertThat(call.operation()).isEqualTo("publish");
    assertThat(call.conn()).isEqualTo("c6");
    assertThat(call.topic()).isEqualTo("t/1");
    assertThat(call.number()).isEqualTo(1);
    assertThat(call.bytes()).asString().isEqualTo("hi");
  }

  @Test
  void publishPassesAnOutOfRangeQosUnchanged() {
    stub.publish(PublishRequest.newBuilder().setConn("c6").setTopic("t").setQos(-1).build());

    assertThat(Integer.toUnsignedLong(adapter.onlyCall().number())).isEqualTo(4_294_967_295L);
    assertThat(adapter.onlyCall().bytes()).isEmpty();
  }

  @Test
  void rawPublishPassesTopicQosAndPayload() {
    stub.rawPublish(RawPublishRequest.newBuilder()
        .setTopic("raw/t").setQos(2).setPayload(ByteString.copyFromUtf8("payload")).build());

    RecordingAdapter.Call call = adapter.onlyCall();
    assertThat(call.operation()).isEqualTo("rawPublish");
    assertThat(call.topic()).isEqualTo("raw/t");
    assertThat(call.number()).isEqualTo(2);
    assertThat(call.bytes()).asString().isEqualTo("payload");
  }

  @Test
  void subscribePassesFilterAndQos() {
    stub.subscribe(SubscribeRequest.newBuilder().setConn("c7").setTopic("a/+/#").setQos(2).build());

    RecordingAdapter.Call call = adapter.onlyCall();
    assertThat(call.operation()).isEqualTo("subscribe");
    assertThat(call.conn()).isEqualTo("c7");
    assertThat(call.topic()).isEqualTo("a/+/#");
    assertThat(call.number()).isEqualTo(2);
  }

  @Test
  void unsubscribePassesFilter() {
    stub.unsubscribe(UnsubscribeRequest.newBuilder().setConn("c8").setTopic("a/b").build());

    RecordingAdapter.Call call = adapter.onlyCall();
    assertThat(call.operation()).isEqualTo("unsubscribe");
    assertThat(call.conn()).isEqualTo("c8");
    assertThat(call.topic()).isEqualTo("a/b");
  }

  @ParameterizedTest
  @EnumSource(ResultCode.class)
  void everyResultCodeIsAnsweredWithItsNumberAndMessage(ResultCode code) {
    String message = code == ResultCode.SUCCESS ? "" : "because " + code;
    adapter.answerWith(AdapterResult.of(code, message));

    CodeResponse response = stub.subscribe(SubscribeRequest.newBuilder().setConn("c").build());

    assertThat(response.getCodeValue()).isEqualTo(code.number());
    assertThat(response.getCode().name()).isEqualTo(code.name());
    assertThat(response.getMessage()).isEqualTo(message);
  }

  @Test
  void aStageCompletedLaterIsAnsweredWhenItCompletes() {
    CompletableFuture<AdapterResult> later = new CompletableFuture<>();
    adapter.answer = () -> later;

    var pending = ConnectionAdapterGrpc.newFutureStub(stub.getChannel())
        .close(CloseSocketRequest.newBuilder().setConn("c").build());
    assertThat(pending.isDone()).isFalse();
    CompletableFuture.runAsync(() -> later.complete(
        AdapterResult.of(ResultCode.CONN_PROCESS_NOT_ALIVE, "no such connection")));

    assertThat(pending).succeedsWithin(java.time.Duration.ofSeconds(5))
        .extracting(CodeResponse::getCode)
        .isEqualTo(io.exproto.grpc.v1.ResultCode.CONN_PROCESS_NOT_ALIVE);
  }

  @Test
  void aFailedStageIsAnsweredUnknownWithTheExceptionMessage() {
    adapter.answer = () -> CompletableFuture.failedStage(new IllegalStateException("boom"));

    CodeResponse response = stub.send(SendBytesRequest.newBuilder().setConn("c").build());

    assertThat(response.getCode()).isEqualTo(io.exproto.grpc.v1.ResultCode.UNKNOWN);
    assertThat(response.getMessage()).isEqualTo("boom");
  }

  @Test
  void aFailureInADependentStageIsUnwrapped() {
    adapter.answer = () -> CompletableFuture.completedFuture(AdapterResult.SUCCESS)
        .thenApply(r -> {
          throw new IllegalArgumentException("dependent failed");
        });

    CodeResponse response = stub.close(CloseSocketRequest.newBuilder().setConn("c").build());

    assertThat(response.getCode()).isEqualTo(io.exproto.grpc.v1.ResultCode.UNKNOWN);
    assertThat(response.getMessage()).isEqualTo("dependent failed");
  }

  @Test
  void anAdapterThatThrowsIsAnsweredUnknown() {
    adapter.answer = () -> {
      throw new UnsupportedOperationException();
    };

    CodeResponse response = stub.authenticate(AuthenticateRequest.newBuilder()
        .setConn("c").setPassword("never-shown").build());

    assertThat(response.getCode()).isEqualTo(io.exproto.grpc.v1.ResultCode.UNKNOWN);
    assertThat(response.getMessage()).isEqualTo("UnsupportedOperationException");
  }

  @Test
  void aNullResultIsAnsweredUnknown() {
    adapter.answer = () -> CompletableFuture.completedStage(null);

    CodeResponse response = stub.unsubscribe(UnsubscribeRequest.newBuilder().setConn("c").build());

    assertThat(response.getCode()).isEqualTo(io.exproto.grpc.v1.ResultCode.UNKNOWN);
    assertThat(response.getMessage()).contains("Unsubscribe");
  }
}
