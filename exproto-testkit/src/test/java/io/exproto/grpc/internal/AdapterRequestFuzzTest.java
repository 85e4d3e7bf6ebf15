package io.exproto.grpc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import io.exproto.gateway.Gateway;
import io.exproto.grpc.v1.AuthenticateRequest;
import io.exproto.grpc.v1.CloseSocketRequest;
import io.exproto.grpc.v1.CodeResponse;
import io.exproto.grpc.v1.PublishRequest;
import io.exproto.grpc.v1.RawPublishRequest;
import io.exproto.grpc.v1.ResultCode;
import io.exproto.grpc.v1.SendBytesRequest;
import io.exproto.grpc.v1.SubscribeRequest;
import io.exproto.grpc.v1.TimerRequest;
import io.exproto.grpc.v1.UnsubscribeRequest;
import io.exproto.handler.ConnInfo;
import io.exproto.handler.ConnectionHandler;
import io.exproto.handler.Message;
import io.exproto.handler.TimerType;
import io.exproto.testkit.InMemoryListener;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Fuzzes the translation of adapter requests: arbitrary bytes parsed as each request type
 * (unknown fields kept), optionally aimed at a live connection and with a huge topic, through
 * {@link AdapterService} into a real gateway. Every request that parses is answered exactly once
 * with a known result code, and never with the "internal error" the core answers when an
 * operation threw.
 */
class AdapterRequestFuzzTest {
  private static InMemoryListener listener;
  private static Gateway gateway;
  private static AdapterService service;
  private static final LinkedBlockingQueue<String> created = new LinkedBlockingQueue<>();
  private static String liveConn;

  @BeforeAll
  static void start() throws Exception {
    listener = InMemoryListener.create("fuzz");
    gateway = Gateway.builder().listener(listener).handler(new ConnectionHandler() {
      @Override
      public CompletionStage<Void> onSocketCreated(String conn, ConnInfo info) {
        created.add(conn);
        return DONE;
      }

      @Override
      public CompletionStage<Void> onReceivedBytes(String conn, byte[] bytes) {
        return DONE;
      }

      @Override
      public CompletionStage<Void> onTimerTimeout(String conn, TimerType type) {
        return DONE;
      }

      @Override
      public CompletionStage<Void> onReceivedMessages(String conn, List<Message> messages) {
        return DONE;
      }

      @Override
      public CompletionStage<Void> onSocketClosed(String conn, String reason) {
        return DONE;
      }
    }).build().start();
    service = new AdapterService(gateway.adapter());
  }

  @AfterAll
  static void stop() {
    gateway.shutdownNow();
  }

  /** A connection that is open now (a new one if the last was closed by a fuzzed request). */
  private static String liveConn() throws InterruptedException {
    if (liveConn == null || gateway.stats().connections() == 0) {
      listener.connect();
      liveConn = created.poll(5, TimeUnit.SECONDS);
    }
    return liveConn;
  }

  @FuzzTest(maxDuration = "24h")
  void everyRequestIsAnsweredOnceWithAKnownCode(FuzzedDataProvider data) throws Exception {
    int op = data.consumeInt(0, 7);
    boolean live = data.consumeBoolean();
    int hugeTopic = data.consumeInt(0, 15) == 0 ? data.consumeInt(0, 200_000) : -1;
    byte[] bytes = data.consumeRemainingAsBytes();
    String conn = live ? liveConn() : null;
    String topic = hugeTopic >= 0 ? "t/".repeat(hugeTopic / 2) : null;
    Answer answer = new Answer();
    try {
      switch (op) {
        case 0 -> {
          SendBytesRequest.Builder r = SendBytesRequest.parseFrom(bytes).toBuilder();
          service.send((live ? r.setConn(conn) : r).build(), answer);
        }
        case 1 -> {
          CloseSocketRequest.Builder r = CloseSocketRequest.parseFrom(bytes).toBuilder();
          service.close((live ? r.setConn(conn) : r).build(), answer);
        }
        case 2 -> {
          AuthenticateRequest.Builder r = AuthenticateRequest.parseFrom(bytes).toBuilder();
          service.authenticate((live ? r.setConn(conn) : r).build(), answer);
        }
        case 3 -> {
          TimerRequest.Builder r = TimerRequest.parseFrom(bytes).toBuilder();
          service.startTimer((live ? r.setConn(conn) : r).build(), answer);
        }
        case 4 -> {
          PublishRequest.Builder r = PublishRequest.parseFrom(bytes).toBuilder();
          if (topic != null) {
            r.setTopic(topic);
          }
          service.publish((live ? r.setConn(conn) : r).build(), answer);
        }
        case 5 -> {
          SubscribeRequest.Builder r = SubscribeRequest.parseFrom(bytes).toBuilder();
          if (topic != null) {
            r.setTopic(topic);
          }
          service.subscribe((live ? r.setConn(conn) : r).build(), answer);
        }
        case 6 -> {
          UnsubscribeRequest.Builder r = UnsubscribeRequest.parseFrom(bytes).toBuilder();
          if (topic != null) {
            r.setTopic(topic);
          }
          service.unsubscribe((live ? r.setConn(conn) : r).build(), answer);
        }
        default -> {
          RawPublishRequest.Builder r = RawPublishRequest.parseFrom(bytes).toBuilder();
          if (topic != null) {
            r.setTopic(topic);
          }
          service.rawPublish(r.build(), answer);
        }
      }
    } catch (InvalidProtocolBufferException notARequest) {
      return; // gRPC refuses it before the service sees it
    }
    CodeResponse response = answer.done.get(10, TimeUnit.SECONDS);
    assertThat(answer.events).as("one answer, then completed").containsExactly("next",
        "completed");
    assertThat(response.getCode()).isNotEqualTo(ResultCode.UNRECOGNIZED);
    assertThat(response.getMessage()).as("no operation threw inside the gateway")
        .doesNotStartWith("internal error");
  }

  private static final class Answer implements StreamObserver<CodeResponse> {
    final List<String> events = new ArrayList<>();
    final CompletableFuture<CodeResponse> done = new CompletableFuture<>();
    private CodeResponse response;

    @Override
    public synchronized void onNext(CodeResponse value) {
      events.add("next");
      response = value;
    }

    @Override
    public synchronized void onError(Throwable t) {
      events.add("error " + t);
      done.completeExceptionally(t);
    }

    @Override
    public synchronized void onCompleted() {
      events.add("completed");
      done.complete(response);
    }
  }
}
