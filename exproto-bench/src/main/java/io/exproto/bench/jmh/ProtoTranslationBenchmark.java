package io.exproto.bench.jmh;

import io.exproto.grpc.internal.ProtoTranslation;
import io.exproto.grpc.v1.ReceivedMessagesRequest;
import io.exproto.handler.Message;
import java.util.ArrayList;
import java.util.List;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Translating a delivery batch of 11 messages (64-byte payloads) into one
 * {@code ReceivedMessagesRequest} ({@link ProtoTranslation#toReceivedMessagesRequest}); and the
 * same plus serialising it, as the gRPC binding does per OnReceivedMessages call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
public class ProtoTranslationBenchmark {
  private List<Message> batch;

  @Setup
  public void setUp() {
    batch = new ArrayList<>();
    for (int i = 0; i < 11; i++) {
      batch.add(new Message("exproto@127.0.0.1", "msg-" + i, 1, "client-" + i,
          "devices/client-" + i + "/down", new byte[64], 1_700_000_000_000L + i));
    }
  }

  @Benchmark
  public ReceivedMessagesRequest translate() {
    return ProtoTranslation.toReceivedMessagesRequest("conn-0001", batch);
  }

  @Benchmark
  public byte[] translateAndSerialise() {
    return ProtoTranslation.toReceivedMessagesRequest("conn-0001", batch).toByteArray();
  }
}
