package io.exproto.bench;

import com.google.protobuf.ByteString;
import io.exproto.grpc.v1.AuthenticateRequest;
import io.exproto.grpc.v1.ClientInfo;
import io.exproto.grpc.v1.CodeResponse;
import io.exproto.grpc.v1.ConnectionAdapterGrpc;
import io.exproto.grpc.v1.ConnectionAdapterGrpc.ConnectionAdapterStub;
import io.exproto.grpc.v1.Message;
import io.exproto.grpc.v1.PublishRequest;
import io.exproto.grpc.v1.ResultCode;
import io.exproto.grpc.v1.SendBytesRequest;
import io.exproto.grpc.v1.SubscribeRequest;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * The bench echo logic shared by the unary and streaming bench handlers, as adapter calls:
 * OnSocketCreated authenticates the device and subscribes it to its own topic
 * {@code bench/<clientid>}; OnReceivedBytes publishes the bytes there; OnReceivedMessages sends
 * each payload back. One echo is therefore exactly four unary calls: OnReceivedBytes, Publish,
 * OnReceivedMessages, Send.
 *
 * <p>With {@code ordered}, each connection's work runs one step after the other (the streaming
 * service keeps no order across callback types, so bytes could otherwise be published before the
 * subscription exists); the unary gateway already orders a connection's callbacks, so the unary
 * handler does without. Adapter calls are asynchronous, started under {@link Context#ROOT}, on
 * a channel per event loop of the handler's server: a call made while serving a callback starts,
 * and its answer arrives, on the thread that serves the callback. Thread-safe.
 */
final class EchoFlow implements AutoCloseable {
  private final boolean ordered;
  private final List<EventExecutor> loops;
  private final EventLoopGroup group;
  private final Class<? extends Channel> channelType;
  private final AtomicReference<List<ManagedChannel>> channels = new AtomicReference<>();
  /** One stub per loop of {@link #loops}, on a channel whose connection lives on that loop. */
  private volatile ConnectionAdapterStub[] stubs;
  private final ConcurrentHashMap<String, String> topics = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, CompletableFuture<Void>> tails =
      new ConcurrentHashMap<>();
  private final AtomicLong clients = new AtomicLong();
  private final AtomicLong created = new AtomicLong();
  private final AtomicLong closed = new AtomicLong();

  /**
   * @param group the event loops the handler's server runs on; the adapter calls get a channel
   *     on each, and a call made on one of them uses that loop's channel
   */
  EchoFlow(boolean ordered, EventLoopGroup group, Class<? extends Channel> channelType) {
    this.ordered = ordered;
    this.group = group;
    this.channelType = channelType;
    List<EventExecutor> l = new ArrayList<>();
    group.forEach(l::add);
    this.loops = List.copyOf(l);
  }

  /** Points the adapter calls at {@code hostPort}. */
  void adapter(String hostPort) {
    List<ManagedChannel> created = new ArrayList<>();
    ConnectionAdapterStub[] s = new ConnectionAdapterStub[loops.size()];
    for (int i = 0; i < loops.size(); i++) {
      // Retries off, as the gateway's handler channel has them (GrpcHandler.transparentRetry).
      ManagedChannel c = NettyChannelBuilder.forTarget(hostPort).usePlaintext().directExecutor()
          .eventLoopGroup((EventLoop) loops.get(i)).channelType(channelType)
          .disableRetry().build();
      created.add(c);
      s[i] = ConnectionAdapterGrpc.newStub(c);
    }
    stubs = s;
    List<ManagedChannel> old = channels.getAndSet(created);
    if (old != null) {
      old.forEach(ManagedChannel::shutdownNow);
    }
  }

  /** The stub of the calling thread's loop; the first one elsewhere. */
  private ConnectionAdapterStub stub() {
    ConnectionAdapterStub[] s = stubs;
    if (s == null) {
      return null;
    }
    for (int i = 0; i < s.length; i++) {
      if (loops.get(i).inEventLoop()) {
        return s[i];
      }
    }
    return s[0];
  }

  /** OnSocketCreated calls so far. */
  long created() {
    return created.get();
  }

  /** OnSocketClosed calls so far. */
  long closed() {
    return closed.get();
  }

  CompletableFuture<Void> socketCreated(String conn) {
    created.incrementAndGet();
    String clientId = "d" + clients.incrementAndGet();
    String topic = "bench/" + clientId;
    topics.put(conn, topic);
    return step(conn, () -> call((s, o) -> s.authenticate(AuthenticateRequest.newBuilder()
            .setConn(conn)
            .setClientinfo(ClientInfo.newBuilder().setProtoName("bench").setProtoVer("1")
                .setClientid(clientId).build())
            .build(), o))
        .thenCompose(v -> call((s, o) -> s.subscribe(SubscribeRequest.newBuilder()
            .setConn(conn).setTopic(topic).setQos(0).build(), o))));
  }

  CompletableFuture<Void> receivedBytes(String conn, ByteString bytes) {
    return step(conn, () -> {
      String topic = topics.get(conn);
      if (topic == null) {
        return CompletableFuture.failedFuture(new IllegalStateException("unknown conn " + conn));
      }
      return call((s, o) -> s.publish(PublishRequest.newBuilder().setConn(conn).setTopic(topic)
          .setQos(0).setPayload(bytes).build(), o));
    });
  }

  CompletableFuture<Void> receivedMessages(String conn, List<Message> messages) {
    return step(conn, () -> {
      CompletableFuture<Void> sent = CompletableFuture.completedFuture(null);
      for (Message m : messages) {
        sent = sent.thenCompose(v -> call((s, o) -> s.send(SendBytesRequest.newBuilder()
            .setConn(conn).setBytes(m.getPayload()).build(), o)));
      }
      return sent;
    });
  }

  CompletableFuture<Void> socketClosed(String conn) {
    closed.incrementAndGet();
    topics.remove(conn);
    tails.remove(conn);
    return CompletableFuture.completedFuture(null);
  }

  private CompletableFuture<Void> step(String conn, Supplier<CompletableFuture<Void>> work) {
    if (!ordered) {
      return work.get();
    }
    CompletableFuture<Void>[] mine = newArray();
    tails.compute(conn, (k, prev) -> {
      CompletableFuture<Void> next = prev == null ? work.get()
          : prev.exceptionally(t -> null).thenCompose(v -> work.get());
      mine[0] = next;
      return next;
    });
    return mine[0];
  }

  @SuppressWarnings("unchecked")
  private static CompletableFuture<Void>[] newArray() {
    return new CompletableFuture[1];
  }

  private CompletableFuture<Void> call(
      BiConsumer<ConnectionAdapterStub, StreamObserver<CodeResponse>> op) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    StreamObserver<CodeResponse> observer = new StreamObserver<>() {
      @Override
      public void onNext(CodeResponse r) {
        if (r.getCode() == ResultCode.SUCCESS) {
          done.complete(null);
        } else {
          done.completeExceptionally(new IllegalStateException(r.getCode() + " " + r.getMessage()));
        }
      }

      @Override
      public void onError(Throwable t) {
        done.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        if (!done.isDone()) { // after onNext it is: no exception (and stack trace) per call
          done.completeExceptionally(new IllegalStateException("no answer"));
        }
      }
    };
    ConnectionAdapterStub s = stub();
    if (s == null) {
      done.completeExceptionally(new IllegalStateException("no adapter address yet"));
      return done;
    }
    // No deadline, as in the bare gRPC anchor this is compared with (a gRPC deadline costs a timer
    // task per call on both sides). A call the gateway never answers holds up only this echo: the
    // gateway's own callback deadline then fails the callback that waits for it.
    Context.ROOT.run(() -> op.accept(s, observer));
    return done;
  }

  /** Answers a unary callback once {@code work} is done. */
  static <T> void answer(StreamObserver<T> response, T ok, CompletableFuture<Void> work) {
    work.whenComplete((v, failure) -> {
      try {
        if (failure == null) {
          response.onNext(ok);
          response.onCompleted();
        } else {
          response.onError(Status.INTERNAL.withDescription(String.valueOf(failure.getMessage()))
              .asRuntimeException());
        }
      } catch (RuntimeException e) {
        // the gateway gave up on the call
      }
    });
  }

  @Override
  public void close() {
    List<ManagedChannel> c = channels.getAndSet(null);
    if (c != null) {
      c.forEach(ManagedChannel::shutdownNow);
    }
  }
}
