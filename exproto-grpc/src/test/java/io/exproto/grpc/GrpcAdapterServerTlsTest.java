package io.exproto.grpc;

import io.exproto.transport.TestCertificates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.exproto.tls.TlsSettings;
import io.exproto.tls.TlsSettings.ClientAuth;
import io.exproto.transport.TestCertificates.Issued;
import io.exproto.grpc.v1.CodeResponse;
import io.exproto.grpc.v1.ConnectionAdapterGrpc;
import io.exproto.grpc.v1.ConnectionAdapterGrpc.ConnectionAdapterBlockingStub;
import io.exproto.grpc.v1.SendBytesRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@link GrpcAdapterServer} with {@link TlsSettings}, called by real TLS and plaintext clients. */
class GrpcAdapterServerTlsTest {
  private static final InetSocketAddress ANY_LOCAL_PORT =
      new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

  @TempDir static Path dir;
  static TestCertificates certs;

  @RegisterExtension final GrpcCleanup grpc = new GrpcCleanup();

  private final RecordingAdapter adapter = new RecordingAdapter();

  @BeforeAll
  static void makeCertificates() throws Exception {
    certs = TestCertificates.create(dir);
  }

  private GrpcAdapterServer startServer(TlsSettings tls) throws Exception {
    return grpc.register(GrpcAdapterServer.builder(adapter).bind(ANY_LOCAL_PORT).tls(tls).build())
        .start();
  }

  private static TlsSettings.ServerBuilder serverIdentity(Issued identity) {
    return TlsSettings.server().certificate(identity.certificate(), identity.privateKey());
  }

  /** A TLS client trusting the test CA, presenting {@code identity} if not null. */
  private ConnectionAdapterBlockingStub tlsClient(GrpcAdapterServer server, Issued identity)
      throws Exception {
    SslContextBuilder ssl = GrpcSslContexts.forClient().trustManager(certs.ca.toFile());
    if (identity != null) {
      ssl.keyManager(identity.certificate().toFile(), identity.privateKey().toFile());
    }
    ManagedChannel channel = grpc.register(NettyChannelBuilder
        .forAddress("localhost", server.port())
        .sslContext(ssl.build())
        .build());
    return ConnectionAdapterGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);
  }

  private ConnectionAdapterBlockingStub plaintextClient(GrpcAdapterServer server) {
    ManagedChannel channel = grpc.register(NettyChannelBuilder
        .forAddress(server.localAddress()).usePlaintext().build());
    return ConnectionAdapterGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);
  }

  private static SendBytesRequest send(String conn) {
    return SendBytesRequest.newBuilder().setConn(conn).setBytes(ByteString.copyFromUtf8("hi"))
        .build();
  }

  private static void assertUnavailable(ConnectionAdapterBlockingStub stub) {
    assertThatThrownBy(() -> stub.send(send("rejected")))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
  }

  @Test
  void requireLetsInAClientWithACertificateFromTheTrustedCa() throws Exception {
    GrpcAdapterServer server = startServer(serverIdentity(certs.server)
        .trustCertificates(certs.ca).clientAuth(ClientAuth.REQUIRE).build());

    CodeResponse response = tlsClient(server, certs.client).send(send("c1"));

    assertThat(response.getCode()).isEqualTo(io.exproto.grpc.v1.ResultCode.SUCCESS);
    assertThat(adapter.onlyCall().conn()).isEqualTo("c1");
  }

  @Test
  void requireRejectsAClientWithoutACertificate() throws Exception {
    GrpcAdapterServer server = startServer(serverIdentity(certs.server)
        .trustCertificates(certs.ca).clientAuth(ClientAuth.REQUIRE).build());

    assertUnavailable(tlsClient(server, null));
    assertThat(adapter.calls).isEmpty();
  }

  @Test
  void requireRejectsACertificateFromAnotherCa() throws Exception {
    GrpcAdapterServer server = startServer(serverIdentity(certs.server)
        .trustCertificates(certs.ca).clientAuth(ClientAuth.REQUIRE).build());

    assertUnavailable(tlsClient(server, certs.untrustedClient));
    assertThat(adapter.calls).isEmpty();
  }

  @Test
  void aPlaintextClientCannotTalkToATlsServer() throws Exception {
    GrpcAdapterServer server = startServer(serverIdentity(certs.server)
        .trustCertificates(certs.ca).clientAuth(ClientAuth.REQUIRE).build());

    assertUnavailable(plaintextClient(server));
    assertThat(adapter.calls).isEmpty();
    // ... and the server still serves TLS clients afterwards.
    tlsClient(server, certs.client).send(send("after"));
    assertThat(adapter.onlyCall().conn()).isEqualTo("after");
  }

  @Test
  void noClientAuthNeedsNoClientCertificate() throws Exception {
    GrpcAdapterServer server = startServer(serverIdentity(certs.server).build());

    tlsClient(server, null).send(send("anonymous"));

    assertThat(adapter.onlyCall().conn()).isEqualTo("anonymous");
  }

  @Test
  void optionalClientAuthLetsInClientsWithAndWithoutACertificate() throws Exception {
    GrpcAdapterServer server = startServer(serverIdentity(certs.server)
        .trustCertificates(certs.ca).clientAuth(ClientAuth.OPTIONAL).build());

    tlsClient(server, null).send(send("without"));
    tlsClient(server, certs.client).send(send("with"));

    assertThat(adapter.calls).extracting(RecordingAdapter.Call::conn)
        .containsExactly("without", "with");
  }

  @Test
  void anRsaPkcs1KeyAsEmqxDeploymentsOftenHaveWorks() throws Exception {
    GrpcAdapterServer server = startServer(serverIdentity(certs.rsaServer).build());

    tlsClient(server, null).send(send("rsa"));

    assertThat(adapter.onlyCall().conn()).isEqualTo("rsa");
  }

  @Test
  void healthIsServedOverTlsToo() throws Exception {
    GrpcAdapterServer server = startServer(serverIdentity(certs.server)
        .trustCertificates(certs.ca).clientAuth(ClientAuth.REQUIRE).build());
    ManagedChannel channel = grpc.register(NettyChannelBuilder
        .forAddress("localhost", server.port())
        .sslContext(GrpcSslContexts.forClient().trustManager(certs.ca.toFile())
            .keyManager(certs.client.certificate().toFile(), certs.client.privateKey().toFile())
            .build())
        .build());

    assertThat(HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService(GrpcAdapterServer.SERVICE_NAME).build())
        .getStatus()).isEqualTo(ServingStatus.SERVING);
  }
}
