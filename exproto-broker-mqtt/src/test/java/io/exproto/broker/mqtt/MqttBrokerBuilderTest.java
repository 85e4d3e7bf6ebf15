package io.exproto.broker.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exproto.tls.TlsSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The builder's validation: every bad value is refused in build() naming the setting. */
class MqttBrokerBuilderTest {

  @Test
  void invalidServerUrlsNameTheProblem() {
    assertThatThrownBy(() -> MqttBroker.builder().build())
        .hasMessageContaining("server is required");
    assertThatThrownBy(() -> MqttBroker.builder().server("http://127.0.0.1:1883").build())
        .hasMessageContaining("must start with mqtt:// or mqtts://");
    assertThatThrownBy(() -> MqttBroker.builder().server("127.0.0.1:1883").build())
        .hasMessageContaining("expected mqtt://HOST:PORT or mqtts://HOST:PORT");
    assertThatThrownBy(() -> MqttBroker.builder().server("mqtt://").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mqtt://");
    assertThatThrownBy(() -> MqttBroker.builder().server("mqtt://h:99999").build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> MqttBroker.builder().server("mqtt://h:1883/topic").build())
        .hasMessageContaining("no path");
    assertThatThrownBy(() -> MqttBroker.builder().server("mqtt://u:p@h:1883").build())
        .hasMessageContaining("credentials");
    assertThatThrownBy(() -> MqttBroker.builder().server("mqtt:// bad host").build())
        .hasMessageContaining("is not a URL");
  }

  @Test
  void defaultsAndPortsFollowTheScheme() {
    assertThat(MqttBroker.builder().server("mqtt://broker").build().describe())
        .isEqualTo("mqtt://broker:1883 (session mode, MQTT 5)");
    assertThat(MqttBroker.builder().server("mqtts://broker").mode(MqttBridgeMode.SHARED)
        .version(MqttProtocolVersion.V3_1_1).poolSize(3).build().describe())
        .isEqualTo("mqtts://broker:8883 (shared mode, MQTT 3.1.1, pool of 3)");
  }

  @Test
  void otherSettingsAreChecked() {
    var b = MqttBroker.builder().server("mqtt://h:1");
    assertThatThrownBy(() -> b.poolSize(0).build()).hasMessageContaining("poolSize");
    b.poolSize(8);
    assertThatThrownBy(() -> b.keepalive(Duration.ZERO).build()).hasMessageContaining("keepalive");
    b.keepalive(Duration.ofSeconds(60));
    assertThatThrownBy(() -> b.reconnectWindow(Duration.ofSeconds(-1)).build())
        .hasMessageContaining("reconnectWindow");
    b.reconnectWindow(Duration.ofSeconds(60));
    assertThatThrownBy(() -> b.sessionExpiry(Duration.ofSeconds(-1)).build())
        .hasMessageContaining("sessionExpiry");
    b.sessionExpiry(Duration.ZERO);
    assertThatThrownBy(() -> b.maxPendingPublishes(0).build())
        .hasMessageContaining("maxPendingPublishes");
    b.maxPendingPublishes(1);
    assertThatThrownBy(() -> b.tls(TlsSettings.client().build()).build())
        .hasMessageContaining("use mqtts://");
    assertThatThrownBy(() -> TlsSettings.client().trustCertificates(Path.of("/nonexistent/ca.pem"))
        .build()).hasMessageContaining("TlsSettings trustCertificates")
        .hasMessageContaining("does not exist");
    assertThatThrownBy(() -> b.tls(TlsSettings.client().protocols("TLSv1.3").build()))
        .hasMessageContaining("MqttBroker tls: protocols cannot be chosen here");
    assertThatThrownBy(() -> b.tls(TlsSettings.client().ciphers(List.of("TLS_AES_128_GCM_SHA256"))
        .build())).hasMessageContaining("MqttBroker tls: ciphers cannot be chosen here");
  }

  @Test
  void usingABridgeBeforeStartSaysSo() {
    MqttBroker broker = MqttBroker.builder().server("mqtt://h:1").build();
    assertThat(broker.publish(new io.exproto.broker.BrokerMessage("0".repeat(32), "c", "t", 0,
        new byte[0], 0)).toCompletableFuture()).isCompletedExceptionally();
    assertThatThrownBy(() -> broker.publish(new io.exproto.broker.BrokerMessage("0".repeat(32),
        "c", "t", 0, new byte[0], 0)).toCompletableFuture().join())
        .hasMessageContaining("not started");
  }
}
