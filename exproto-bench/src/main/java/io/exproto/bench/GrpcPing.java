package io.exproto.bench;

import com.google.protobuf.ByteString;
import io.exproto.grpc.v1.CodeResponse;
import io.exproto.grpc.v1.ConnectionAdapterGrpc;
import io.exproto.grpc.v1.ResultCode;
import io.exproto.grpc.v1.SendBytesRequest;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The RPC anchor: bare grpc-java unary calls with nothing behind them. The server answers
 * {@code ConnectionAdapter/Send} (a 64-byte {@code SendBytesRequest}, the size of an echo's
 * calls) with SUCCESS at once; the client keeps {@code concurrency} calls in flight on one
 * channel, each caller issuing its next call when the previous one answered. Both sides use
 * {@code directExecutor} and the client has gRPC's retries off, as the gateway and the bench
 * handler do.
 */
public final class GrpcPing {
  private GrpcPing() {}

  /** Starts the ping server on 127.0.0.1:{@code port} (0 for any). */
  public static Server startServer(int port) throws IOException {
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
        .directExecutor()
        .addService(new ConnectionAdapterGrpc.ConnectionAdapterImplBase() {
          private final CodeResponse ok = CodeResponse.newBuilder()
              .setCode(ResultCode.SUCCESS).build();

          @Override
          public void send(SendBytesRequest request, StreamObserver<CodeResponse> response) {
            response.onNext(ok);
            response.onCompleted();
          }
        })
        .build().start();
  }

  /** Runs closed-loop unary calls against host:port and returns the measured window. */
  public static LoadResult run(String host, int port, int concurrency, int payload,
      Duration warmup, Duration measure) throws InterruptedException {
    return run(host, port, concurrency, payload, warmup, measure, Window.NONE);
  }

  /** As {@link #run}, with {@code cpu} started and stopped at the measured window. */
  static LoadResult run(String host, int port, int concurrency, int payload, Duration warmup,
      Duration measure, Window cpu) throws InterruptedException {
    ManagedChannel channel = NettyChannelBuilder.forAddress(host, port).usePlaintext()
        .directExecutor().disableRetry().build();
    Recorder recorder = new Recorder(TimeUnit.SECONDS.toNanos(60), 3);
    AtomicLong errors = new AtomicLong();
    AtomicBoolean stopping = new AtomicBoolean();
    SendBytesRequest request = SendBytesRequest.newBuilder().setConn("ping-conn-0001")
        .setBytes(ByteString.copyFrom(LoadGenerator.payload(payload))).build();
    ConnectionAdapterGrpc.ConnectionAdapterStub stub = ConnectionAdapterGrpc.newStub(channel);
    try {
      for (int i = 0; i < concurrency; i++) {
        new Caller(stub, request, recorder, errors, stopping).call();
      }
      TimeUnit.NANOSECONDS.sleep(warmup.toNanos());
      cpu.start();
      recorder.reset();
      long m0 = System.nanoTime();
      TimeUnit.NANOSECONDS.sleep(measure.toNanos());
      Histogram h = recorder.getIntervalHistogram();
      double secs = (System.nanoTime() - m0) / 1e9;
      cpu.stop();
      stopping.set(true);
      return new LoadResult("grpc-unary", concurrency, h.getTotalCount(), secs, h, 0,
          errors.get());
    } finally {
      // Let the calls in flight finish (no caller starts another once stopping): cancelling
      // a thousand of them made the server log a stream error each and run its error paths,
      // which deoptimised its compiled code before the next point.
      stopping.set(true);
      channel.shutdown();
      if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
        channel.shutdownNow();
        channel.awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  /** One closed-loop caller. */
  private static final class Caller implements StreamObserver<CodeResponse> {
    private final ConnectionAdapterGrpc.ConnectionAdapterStub stub;
    private final SendBytesRequest request;
    private final Recorder recorder;
    private final AtomicLong errors;
    private final AtomicBoolean stopping;
    private long started;

    Caller(ConnectionAdapterGrpc.ConnectionAdapterStub stub, SendBytesRequest request,
        Recorder recorder, AtomicLong errors, AtomicBoolean stopping) {
      this.stub = stub;
      this.request = request;
      this.recorder = recorder;
      this.errors = errors;
      this.stopping = stopping;
    }

    void call() {
      started = System.nanoTime();
      stub.send(request, this);
    }

    @Override
    public void onNext(CodeResponse value) {
      recorder.recordValue(Math.min(System.nanoTime() - started, TimeUnit.SECONDS.toNanos(60)));
    }

    @Override
    public void onError(Throwable t) {
      if (!isStopping()) {
        errors.incrementAndGet();
      }
    }

    @Override
    public void onCompleted() {
      if (!isStopping()) {
        call();
      }
    }

    private boolean isStopping() {
      return stopping.get();
    }
  }
}
