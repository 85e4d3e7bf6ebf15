package io.exproto.grpc;

import io.exproto.handler.AdapterResult;
import io.exproto.handler.ClientInfo;
import io.exproto.handler.ConnectionAdapter;
import io.exproto.handler.TimerType;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/** A fake {@link ConnectionAdapter} that records every call and answers {@link #answer}. */
final class RecordingAdapter implements ConnectionAdapter {

  /** One recorded call; fields the operation does not have are null or 0. */
  record Call(String operation, String conn, byte[] bytes, ClientInfo clientInfo, String password,
      TimerType timerType, int number, String topic) {}

  final List<Call> calls = new CopyOnWriteArrayList<>();
  volatile Supplier<CompletionStage<AdapterResult>> answer =
      () -> CompletableFuture.completedStage(AdapterResult.SUCCESS);

  void answerWith(AdapterResult result) {
    answer = () -> CompletableFuture.completedStage(result);
  }

  Call onlyCall() {
    if (calls.size() != 1) {
      throw new AssertionError("expected one call, got " + calls);
    }
    return calls.get(0);
  }

  /** The thread the last call arrived on. */
  volatile String lastThread;

  private CompletionStage<AdapterResult> record(Call call) {
    lastThread = Thread.currentThread().getName();
    calls.add(call);
    return answer.get();
  }

  @Override
  public CompletionStage<AdapterResult> send(String conn, byte[] bytes) {
    return record(new Call("send", conn, bytes, null, null, null, 0, null));
  }

  @Override
  public CompletionStage<AdapterResult> close(String conn) {
    return record(new Call("close", conn, null, null, null, null, 0, null));
  }

  @Override
  public CompletionStage<AdapterResult> authenticate(String conn, ClientInfo clientInfo,
      String password) {
    return record(new Call("authenticate", conn, null, clientInfo, password, null, 0, null));
  }

  @Override
  public CompletionStage<AdapterResult> startTimer(String conn, TimerType type,
      int intervalSeconds) {
    return record(new Call("startTimer", conn, null, null, null, type, intervalSeconds, null));
  }

  @Override
  public CompletionStage<AdapterResult> publish(String conn, String topic, int qos,
      byte[] payload) {
    return record(new Call("publish", conn, payload, null, null, null, qos, topic));
  }

  @Override
  public CompletionStage<AdapterResult> subscribe(String conn, String topicFilter, int qos) {
    return record(new Call("subscribe", conn, null, null, null, null, qos, topicFilter));
  }

  @Override
  public CompletionStage<AdapterResult> unsubscribe(String conn, String topicFilter) {
    return record(new Call("unsubscribe", conn, null, null, null, null, 0, topicFilter));
  }

  @Override
  public CompletionStage<AdapterResult> rawPublish(String topic, int qos, byte[] payload) {
    return record(new Call("rawPublish", null, payload, null, null, null, qos, topic));
  }
}
