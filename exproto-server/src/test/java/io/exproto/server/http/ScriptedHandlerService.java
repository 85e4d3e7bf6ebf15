package io.exproto.server.http;

import io.exproto.grpc.v1.AuthenticateRequest;
import io.exproto.grpc.v1.ClientInfo;
import io.exproto.grpc.v1.CodeResponse;
import io.exproto.grpc.v1.ConnectionAdapterGrpc;
import io.exproto.grpc.v1.ConnectionUnaryHandlerGrpc;
import io.exproto.grpc.v1.EmptySuccess;
import io.exproto.grpc.v1.Message;
import io.exproto.grpc.v1.PublishRequest;
import io.exproto.grpc.v1.ReceivedBytesRequest;
import io.exproto.grpc.v1.ReceivedMessagesRequest;
import io.exproto.grpc.v1.ResultCode;
import io.exproto.grpc.v1.SendBytesRequest;
import io.exproto.grpc.v1.SocketClosedRequest;
import io.exproto.grpc.v1.SocketCreatedRequest;
import io.exproto.grpc.v1.SubscribeRequest;
import io.exproto.grpc.v1.TimerTimeoutRequest;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import com.google.protobuf.ByteString;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A gRPC ConnectionUnaryHandler for end-to-end tests. Devices send one command per line and get
 * one reply line: {@code auth CLIENTID USERNAME [PASSWORD]}, {@code sub TOPIC QOS},
 * {@code pub TOPIC TEXT} answer {@code ok} or {@code err CODE message}; a delivered message is
 * sent to the device as {@code msg TOPIC PAYLOAD}. It records every OnSocketClosed reason by
 * client id.
 */
final class ScriptedHandlerService extends ConnectionUnaryHandlerGrpc.ConnectionUnaryHandlerImplBase
    implements AutoCloseable {
  private final Server server;
  private volatile ManagedChannel channel;
  private volatile ConnectionAdapterGrpc.ConnectionAdapterBlockingStub adapter;
  private final Map<String, String> clientOfConn = new ConcurrentHashMap<>();
  private final Map<String, String> closedReasons = new ConcurrentHashMap<>();

  ScriptedHandlerService() throws Exception {
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(this).build().start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getPort();
  }

  void adapter(InetSocketAddress address) {
    channel = NettyChannelBuilder.forAddress(address).usePlaintext().build();
    adapter = ConnectionAdapterGrpc.newBlockingStub(channel);
  }

  /** Waits for the close reason of a client's connection. */
  String awaitClosed(String clientId, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      String r = closedReasons.get(clientId);
      if (r != null) {
        return r;
      }
      Thread.sleep(20);
    }
    throw new TimeoutException("no OnSocketClosed for " + clientId + "; seen: " + closedReasons);
  }

  private CodeResponse call(java.util.function.Function<
      ConnectionAdapterGrpc.ConnectionAdapterBlockingStub, CodeResponse> op) throws Exception {
    // Outside the handler call's context, which gRPC cancels once the callback answers.
    return Context.ROOT.call(() -> op.apply(adapter.withDeadlineAfter(10, TimeUnit.SECONDS)));
  }

  private void send(String conn, String text) throws Exception {
    call(a -> a.send(SendBytesRequest.newBuilder().setConn(conn)
        .setBytes(ByteString.copyFromUtf8(text + "\n")).build()));
  }

  @Override
  public void onSocketCreated(SocketCreatedRequest request,
      StreamObserver<EmptySuccess> response) {
    done(response);
  }

  @Override
  public void onReceivedBytes(ReceivedBytesRequest request,
      StreamObserver<EmptySuccess> response) {
    String conn = request.getConn();
    try {
      for (String line : request.getBytes().toString(StandardCharsets.UTF_8).split("\n")) {
        if (line.isBlank()) {
          continue;
        }
        String[] w = line.trim().split(" ", 3);
        CodeResponse r = switch (w[0]) {
          case "auth" -> {
            String[] a = line.trim().split(" ", 4);
            yield call(s -> s.authenticate(AuthenticateRequest.newBuilder().setConn(conn)
                .setClientinfo(ClientInfo.newBuilder().setClientid(a[1])
                    .setUsername(a.length > 2 ? a[2] : "").setProtoName("lines")
                    .setProtoVer("1").build()).setPassword(a.length > 3 ? a[3] : "").build()));
          }
          case "sub" -> call(a -> a.subscribe(SubscribeRequest.newBuilder().setConn(conn)
              .setTopic(w[1]).setQos(Integer.parseInt(w[2])).build()));
          case "pub" -> call(a -> a.publish(PublishRequest.newBuilder().setConn(conn)
              .setTopic(w[1]).setQos(0).setPayload(ByteString.copyFromUtf8(w.length > 2 ? w[2]
                  : "")).build()));
          default -> CodeResponse.newBuilder().setCode(ResultCode.PARAMS_TYPE_ERROR)
              .setMessage("unknown command " + w[0]).build();
        };
        if (r.getCode() == ResultCode.SUCCESS && w[0].equals("auth")) {
          clientOfConn.put(conn, w[1]);
        }
        send(conn, r.getCode() == ResultCode.SUCCESS ? "ok" : "err " + r.getCode() + " "
            + r.getMessage());
      }
      done(response);
    } catch (Exception e) {
      response.onError(e);
    }
  }

  @Override
  public void onReceivedMessages(ReceivedMessagesRequest request,
      StreamObserver<EmptySuccess> response) {
    try {
      for (Message m : request.getMessagesList()) {
        send(request.getConn(), "msg " + m.getTopic() + " "
            + m.getPayload().toString(StandardCharsets.UTF_8));
      }
      done(response);
    } catch (Exception e) {
      response.onError(e);
    }
  }

  @Override
  public void onTimerTimeout(TimerTimeoutRequest request, StreamObserver<EmptySuccess> response) {
    done(response);
  }

  @Override
  public void onSocketClosed(SocketClosedRequest request, StreamObserver<EmptySuccess> response) {
    String cid = clientOfConn.remove(request.getConn());
    closedReasons.put(cid != null ? cid : request.getConn(), request.getReason());
    done(response);
  }

  private static void done(StreamObserver<EmptySuccess> response) {
    response.onNext(EmptySuccess.getDefaultInstance());
    response.onCompleted();
  }

  @Override
  public void close() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
