package io.exproto.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exproto.tls.TlsSettings;
import io.exproto.tls.TlsSettings.ClientAuth;
import io.exproto.transport.TestCertificates;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the handler channel ({@code handler.ssl_options}: the client side of {@link TlsSettings})
 * and the adapter server ({@code server.ssl_options}: the server side) take: gRPC's TLS contexts
 * are made from the settings, each end refuses the other side's settings and what gRPC cannot
 * honour. The settings themselves (files, keys, validation) are the core's TlsSettingsTest.
 */
class TlsOptionsTest {
  @TempDir static Path dir;
  static TestCertificates certs;

  @RegisterExtension final GrpcCleanup grpc = new GrpcCleanup();

  @BeforeAll
  static void makeCertificates() throws Exception {
    certs = TestCertificates.create(dir);
  }

  @Test
  void theHandlerChannelTakesClientSettings() {
    grpc.register(GrpcHandler.builder().address("https://127.0.0.1:9001")
        .tls(TlsSettings.client()
            .trustCertificates(certs.ca)
            .certificate(certs.client.certificate(), certs.client.privateKey())
            .serverName("handler.example")
            .build())
        .build());
    // No settings: the JDK's default trust store, no client certificate.
    grpc.register(GrpcHandler.builder().address("https://localhost:9001")
        .tls(TlsSettings.client().build()).build());
  }

  @Test
  void theAdapterServerTakesServerSettingsWithEveryClientAuth() {
    for (ClientAuth auth : ClientAuth.values()) {
      grpc.register(GrpcAdapterServer.builder(new RecordingAdapter())
          .tls(TlsSettings.server()
              .certificate(certs.server.certificate(), certs.server.privateKey())
              .trustCertificates(certs.ca)
              .clientAuth(auth)
              .build())
          .build());
    }
    // A PKCS#1 RSA key, and OPTIONAL without trust certificates (the JDK's trust store).
    assertThat(certs.rsaServer.privateKey()).content()
        .startsWith("-----BEGIN RSA PRIVATE KEY-----");
    grpc.register(GrpcAdapterServer.builder(new RecordingAdapter())
        .tls(TlsSettings.server()
            .certificate(certs.rsaServer.certificate(), certs.rsaServer.privateKey())
            .clientAuth(ClientAuth.OPTIONAL)
            .build())
        .build());
  }

  @Test
  void eachEndTakesItsSideOnly() {
    TlsSettings server = TlsSettings.server()
        .certificate(certs.server.certificate(), certs.server.privateKey()).build();
    TlsSettings client = TlsSettings.client().build();

    assertThatThrownBy(() -> GrpcHandler.builder().tls(server))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("GrpcHandler tls takes client settings (TlsSettings.client()),"
            + " not server settings");
    assertThatThrownBy(() -> GrpcAdapterServer.builder(new RecordingAdapter()).tls(client))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("GrpcAdapterServer tls takes server settings"
            + " (TlsSettings.server()), not client settings");
  }

  @Test
  void protocolsAndCiphersCannotBeChosenForGrpc() {
    assertThatThrownBy(() -> GrpcHandler.builder()
            .tls(TlsSettings.client().protocols("TLSv1.2").build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("GrpcHandler tls: protocols cannot be chosen here");
    assertThatThrownBy(() -> GrpcAdapterServer.builder(new RecordingAdapter())
            .tls(TlsSettings.server()
                .certificate(certs.server.certificate(), certs.server.privateKey())
                .ciphers(List.of("TLS_AES_128_GCM_SHA256")).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("GrpcAdapterServer tls: ciphers cannot be chosen here");
  }

  @Test
  void tlsWithAPlaintextAddressOrAChannelIsAMistake() {
    TlsSettings tls = TlsSettings.client().trustCertificates(certs.ca).build();

    assertThatThrownBy(
            () -> GrpcHandler.builder().address("http://127.0.0.1:9001").tls(tls).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("handler address http://127.0.0.1:9001 is plaintext http://")
        .hasMessageContaining("use https://127.0.0.1:9001");
    assertThatThrownBy(() -> GrpcHandler.builder()
            .channel(grpc.register(io.grpc.inprocess.InProcessChannelBuilder.forName("x").build()))
            .tls(tls).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not to a channel(...)");
  }

  @Test
  void nullsAreRejected() {
    assertThatThrownBy(() -> GrpcHandler.builder().tls(null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> GrpcAdapterServer.builder(new RecordingAdapter()).tls(null))
        .isInstanceOf(NullPointerException.class);
  }
}
