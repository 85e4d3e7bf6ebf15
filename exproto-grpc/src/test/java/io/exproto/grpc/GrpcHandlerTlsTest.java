package io.exproto.grpc;

import io.exproto.transport.TestCertificates;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.exproto.transport.TestCertificates.Issued;
import io.exproto.grpc.v1.ReceivedBytesRequest;
import io.exproto.handler.CallbackFailedException;
import io.exproto.tls.TlsSettings;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyServerBuilder;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@link GrpcHandler} over {@code https://} to a fake handler service on a real TLS socket. */
class GrpcHandlerTlsTest {
  private static final Duration WAIT = Duration.ofSeconds(5);

  @TempDir static Path dir;
  static TestCertificates certs;

  @RegisterExtension final GrpcCleanup grpc = new GrpcCleanup();

  private final FakeUnaryHandlerService service = new FakeUnaryHandlerService();
  /** What the handler's side saw of each call's TLS session. */
  private final List<SSLSession> sessions = new CopyOnWriteArrayList<>();
  private final List<String> authorities = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void makeCertificates() throws Exception {
    certs = TestCertificates.create(dir);
  }

  /** Serves the fake handler over TLS with {@code identity}; returns the port. */
  private int serveHandler(Issued identity, ClientAuth clientAuth) throws Exception {
    SslContextBuilder ssl = GrpcSslContexts.forServer(
        identity.certificate().toFile(), identity.privateKey().toFile());
    if (clientAuth != ClientAuth.NONE) {
      ssl.trustManager(certs.ca.toFile()).clientAuth(clientAuth);
    }
    ServerInterceptor recorder = new ServerInterceptor() {
      @Override
      public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
          ServerCallHandler<Q, A> next) {
        sessions.add(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        authorities.add(call.getAuthority());
        return next.startCall(call, headers);
      }
    };
    Server server = grpc.register(NettyServerBuilder
        .forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .sslContext(ssl.build())
        .addService(ServerInterceptors.intercept(service, recorder))
        .build()
        .start());
    return ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
  }

  private GrpcHandler handler(String address, TlsSettings tls) {
    GrpcHandler.Builder builder = GrpcHandler.builder().address(address).callbackTimeout(WAIT);
    if (tls != null) {
      builder.tls(tls);
    }
    return grpc.register(builder.build());
  }

  private static CompletionStage<Void> send(GrpcHandler handler, String text) {
    return handler.onReceivedBytes("c", text.getBytes(UTF_8));
  }

  private void assertDelivered(CompletionStage<Void> stage, String text) {
    assertThat(stage.toCompletableFuture()).succeedsWithin(WAIT);
    assertThat(service.onlyRequest(ReceivedBytesRequest.class).getBytes().toStringUtf8())
        .isEqualTo(text);
  }

  private static String failureReason(CompletionStage<Void> stage) {
    Throwable thrown = catchThrowable(
        () -> stage.toCompletableFuture().get(WAIT.toMillis() * 2, TimeUnit.MILLISECONDS));
    assertThat(thrown).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(CallbackFailedException.class);
    return ((CallbackFailedException) thrown.getCause()).reason();
  }

  private static TlsSettings.ClientBuilder trustingTheTestCa() {
    return TlsSettings.client().trustCertificates(certs.ca);
  }

  @Test
  void talksTlsToAHandlerAtAHostName() throws Exception {
    int port = serveHandler(certs.server, ClientAuth.NONE);
    GrpcHandler remote = handler("https://localhost:" + port, trustingTheTestCa().build());

    assertDelivered(send(remote, "over tls"), "over tls");
    assertThat(sessions.get(0).getProtocol()).startsWith("TLSv1.");
  }

  @Test
  void talksTlsToAHandlerAtAnIpAddress() throws Exception {
    int port = serveHandler(certs.server, ClientAuth.NONE);
    GrpcHandler remote = handler("https://127.0.0.1:" + port, trustingTheTestCa().build());

    assertDelivered(send(remote, "by ip"), "by ip");
  }

  @Test
  void withoutTlsSettingsTheJdkTrustStoreRejectsTheTestCa() throws Exception {
    int port = serveHandler(certs.server, ClientAuth.NONE);
    GrpcHandler remote = grpc.register(GrpcHandler.unary("https://localhost:" + port));

    assertThat(failureReason(send(remote, "x"))).isEqualTo("unavailable");
    assertThat(service.requests).isEmpty();
  }

  @Test
  void aPlaintextAddressCannotTalkToATlsHandler() throws Exception {
    int port = serveHandler(certs.server, ClientAuth.NONE);
    GrpcHandler remote = handler("http://127.0.0.1:" + port, null);

    assertThat(failureReason(send(remote, "x"))).isEqualTo("unavailable");
    assertThat(service.requests).isEmpty();
  }

  @Test
  void mutualTlsWithAClientCertificate() throws Exception {
    int port = serveHandler(certs.server, ClientAuth.REQUIRE);
    GrpcHandler remote = handler("https://localhost:" + port, trustingTheTestCa()
        .certificate(certs.client.certificate(), certs.client.privateKey())
        .build());

    assertDelivered(send(remote, "mutual"), "mutual");
    X509Certificate presented = (X509Certificate) sessions.get(0).getPeerCertificates()[0];
    assertThat(presented.getSubjectX500Principal().getName()).isEqualTo("CN=client,O=Org,C=CN");
  }

  @Test
  void mutualTlsWithoutAClientCertificateFailsWithUnavailable() throws Exception {
    int port = serveHandler(certs.server, ClientAuth.REQUIRE);
    GrpcHandler remote = handler("https://localhost:" + port, trustingTheTestCa().build());

    assertThat(failureReason(send(remote, "x"))).isEqualTo("unavailable");
    assertThat(service.requests).isEmpty();
  }

  @Test
  void mutualTlsWithACertificateFromAnotherCaFailsWithUnavailable() throws Exception {
    int port = serveHandler(certs.server, ClientAuth.REQUIRE);
    GrpcHandler remote = handler("https://localhost:" + port, trustingTheTestCa()
        .certificate(certs.untrustedClient.certificate(), certs.untrustedClient.privateKey())
        .build());

    assertThat(failureReason(send(remote, "x"))).isEqualTo("unavailable");
    assertThat(service.requests).isEmpty();
  }

  @Test
  void anIpAddressNotInTheCertificateIsRejected() throws Exception {
    // The certificate names localhost and handler.test only.
    int port = serveHandler(certs.namesOnlyServer, ClientAuth.NONE);
    GrpcHandler remote = handler("https://127.0.0.1:" + port, trustingTheTestCa().build());

    assertThat(failureReason(send(remote, "x"))).isEqualTo("unavailable");
    assertThat(service.requests).isEmpty();
  }

  @Test
  void serverNameIndicationVerifiesAHostNameWhileDiallingAnIp() throws Exception {
    int port = serveHandler(certs.namesOnlyServer, ClientAuth.NONE);
    GrpcHandler remote = handler("https://127.0.0.1:" + port,
        trustingTheTestCa().serverName("localhost").build());

    assertDelivered(send(remote, "sni"), "sni");
    assertThat(authorities).containsExactly("localhost");
  }

  @Test
  void serverNameIndicationIsSentToTheHandler() throws Exception {
    int port = serveHandler(certs.namesOnlyServer, ClientAuth.NONE);
    GrpcHandler remote = handler("https://127.0.0.1:" + port,
        trustingTheTestCa().serverName("handler.test").build());

    assertDelivered(send(remote, "sni"), "sni");
    // The JDK sends SNI only for names with a dot, hence handler.test rather than localhost.
    assertThat(((ExtendedSSLSession) sessions.get(0)).getRequestedServerNames())
        .containsExactly(new SNIHostName("handler.test"));
  }

  @Test
  void aServerNameIndicationTheCertificateDoesNotNameIsRejected() throws Exception {
    int port = serveHandler(certs.namesOnlyServer, ClientAuth.NONE);
    GrpcHandler remote = handler("https://127.0.0.1:" + port,
        trustingTheTestCa().serverName("other.test").build());

    assertThat(failureReason(send(remote, "x"))).isEqualTo("unavailable");
    assertThat(service.requests).isEmpty();
  }
}
