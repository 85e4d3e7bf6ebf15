package io.exproto.remote;

import io.exproto.grpc.v1.CodeResponse;
import io.exproto.grpc.v1.ConnectionAdapterGrpc;
import io.exproto.grpc.v1.ConnectionUnaryHandlerGrpc;
import io.exproto.grpc.v1.EmptySuccess;
import io.exproto.grpc.v1.ReceivedBytesRequest;
import io.exproto.grpc.v1.ReceivedMessagesRequest;
import io.exproto.grpc.v1.ResultCode;
import io.exproto.grpc.v1.SendBytesRequest;
import io.exproto.grpc.v1.SocketClosedRequest;
import io.exproto.grpc.v1.SocketCreatedRequest;
import io.exproto.grpc.v1.TimerTimeoutRequest;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * A remote handler service on a real port, as a user would run one: it sends every byte it
 * receives back through the gateway's ConnectionAdapter (plaintext gRPC), told where that is once
 * the gateway has bound it.
 */
final class EchoHandlerService extends ConnectionUnaryHandlerGrpc.ConnectionUnaryHandlerImplBase
    implements AutoCloseable {
  private final Server server;
  private volatile ManagedChannel adapter;

  EchoHandlerService() throws IOException {
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(this).build().start();
  }

  /** The address to give the gateway. */
  String url() {
    return "http://127.0.0.1:" + server.getPort();
  }

  /** Where the gateway's adapter is. */
  void adapterAddress(InetSocketAddress address) {
    adapter = NettyChannelBuilder.forAddress(address).usePlaintext().build();
  }

  @Override
  public void onReceivedBytes(ReceivedBytesRequest request,
      StreamObserver<EmptySuccess> response) {
    // Blocking is fine here: the service runs on gRPC's executor, not the gateway's threads.
    CodeResponse sent = ConnectionAdapterGrpc.newBlockingStub(adapter).withDeadlineAfter(5,
        TimeUnit.SECONDS).send(SendBytesRequest.newBuilder().setConn(request.getConn())
        .setBytes(request.getBytes()).build());
    if (sent.getCode() != ResultCode.SUCCESS) {
      response.onError(Status.INTERNAL.withDescription("Send: " + sent).asRuntimeException());
      return;
    }
    done(response);
  }

  @Override
  public void onSocketCreated(SocketCreatedRequest request,
      StreamObserver<EmptySuccess> response) {
    done(response);
  }

  @Override
  public void onSocketClosed(SocketClosedRequest request, StreamObserver<EmptySuccess> response) {
    done(response);
  }

  @Override
  public void onTimerTimeout(TimerTimeoutRequest request, StreamObserver<EmptySuccess> response) {
    done(response);
  }

  @Override
  public void onReceivedMessages(ReceivedMessagesRequest request,
      StreamObserver<EmptySuccess> response) {
    done(response);
  }

  private static void done(StreamObserver<EmptySuccess> response) {
    response.onNext(EmptySuccess.getDefaultInstance());
    response.onCompleted();
  }

  @Override
  public void close() throws InterruptedException {
    if (adapter != null) {
      adapter.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
