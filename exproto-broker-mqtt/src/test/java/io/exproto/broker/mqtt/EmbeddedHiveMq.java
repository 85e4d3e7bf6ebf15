package io.exproto.broker.mqtt;

import com.hivemq.embedded.EmbeddedExtension;
import com.hivemq.embedded.EmbeddedHiveMQ;
import com.hivemq.extension.sdk.api.ExtensionMain;
import com.hivemq.extension.sdk.api.auth.PublishAuthorizer;
import com.hivemq.extension.sdk.api.auth.SimpleAuthenticator;
import com.hivemq.extension.sdk.api.auth.SubscriptionAuthorizer;
import com.hivemq.extension.sdk.api.auth.parameter.PublishAuthorizerInput;
import com.hivemq.extension.sdk.api.auth.parameter.PublishAuthorizerOutput;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthInput;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthOutput;
import com.hivemq.extension.sdk.api.auth.parameter.SubscriptionAuthorizerInput;
import com.hivemq.extension.sdk.api.auth.parameter.SubscriptionAuthorizerOutput;
import com.hivemq.extension.sdk.api.packets.connect.ConnackReasonCode;
import com.hivemq.extension.sdk.api.packets.disconnect.DisconnectReasonCode;
import com.hivemq.extension.sdk.api.packets.publish.AckReasonCode;
import com.hivemq.extension.sdk.api.packets.subscribe.SubackReasonCode;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartOutput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopOutput;
import com.hivemq.extension.sdk.api.services.Services;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * HiveMQ Community Edition running inside the test JVM on a free loopback port, with an extension
 * that makes broker-side refusals real: user name {@code denied} is refused at CONNACK (not
 * authorised), password {@code wrong} is refused as a bad password, and topics under
 * {@code forbidden/} are refused for publishing (PUBACK 0x87) and subscribing (SUBACK 0x87).
 */
final class EmbeddedHiveMq implements AutoCloseable {
  final int port;
  private final EmbeddedHiveMQ hivemq;

  private EmbeddedHiveMq(int port, EmbeddedHiveMQ hivemq) {
    this.port = port;
    this.hivemq = hivemq;
  }

  static EmbeddedHiveMq start(Path dir) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Path conf = Files.createDirectories(dir.resolve("conf"));
    Files.writeString(conf.resolve("config.xml"), """
        <?xml version="1.0"?>
        <hivemq>
          <listeners>
            <tcp-listener><port>%d</port><bind-address>127.0.0.1</bind-address></tcp-listener>
          </listeners>
          <anonymous-usage-statistics><enabled>false</enabled></anonymous-usage-statistics>
        </hivemq>
        """.formatted(port));
    EmbeddedExtension ext = EmbeddedExtension.builder()
        .withId("exproto-test-auth").withName("exproto test auth").withVersion("1")
        .withPriority(0).withStartPriority(1000).withAuthor("exproto")
        .withExtensionMain(new Main())
        .build();
    EmbeddedHiveMQ hivemq = EmbeddedHiveMQ.builder()
        .withConfigurationFolder(conf)
        .withDataFolder(Files.createDirectories(dir.resolve("data")))
        .withExtensionsFolder(Files.createDirectories(dir.resolve("extensions")))
        .withEmbeddedExtension(ext)
        .withoutLoggingBootstrap()
        .build();
    hivemq.start().get(60, TimeUnit.SECONDS);
    return new EmbeddedHiveMq(port, hivemq);
  }

  String url() {
    return "mqtt://127.0.0.1:" + port;
  }

  /** Disconnects a client as an administrator would (MQTT 5 reason 0x98). */
  boolean kick(String clientId) throws Exception {
    return Services.clientService().disconnectClient(clientId, true,
        DisconnectReasonCode.ADMINISTRATIVE_ACTION, "kicked by the test").get(10, TimeUnit.SECONDS);
  }

  /** True if the broker has a connected client with this id. */
  boolean isConnected(String clientId) throws Exception {
    return Services.clientService().isClientConnected(clientId).get(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws Exception {
    hivemq.stop().get(60, TimeUnit.SECONDS);
    hivemq.close();
  }

  public static final class Main implements ExtensionMain {
    @Override
    public void extensionStart(ExtensionStartInput in, ExtensionStartOutput out) {
      Services.securityRegistry().setAuthenticatorProvider(i -> new Authn());
      Services.securityRegistry().setAuthorizerProvider(i -> new Authz());
    }

    @Override
    public void extensionStop(ExtensionStopInput in, ExtensionStopOutput out) {}
  }

  static final class Authn implements SimpleAuthenticator {
    @Override
    public void onConnect(SimpleAuthInput in, SimpleAuthOutput out) {
      String user = in.getConnectPacket().getUserName().orElse("");
      String password = in.getConnectPacket().getPassword()
          .map(b -> StandardCharsets.UTF_8.decode(b).toString()).orElse("");
      if (user.equals("denied")) {
        out.failAuthentication(ConnackReasonCode.NOT_AUTHORIZED, "user denied by the test broker");
      } else if (password.equals("wrong")) {
        out.failAuthentication(ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD, "wrong password");
      } else {
        out.authenticateSuccessfully();
      }
    }
  }

  static final class Authz implements PublishAuthorizer, SubscriptionAuthorizer {
    @Override
    public void authorizePublish(PublishAuthorizerInput in, PublishAuthorizerOutput out) {
      if (in.getPublishPacket().getTopic().startsWith("forbidden/")) {
        out.failAuthorization(AckReasonCode.NOT_AUTHORIZED, "forbidden topic");
      } else {
        out.authorizeSuccessfully();
      }
    }

    @Override
    public void authorizeSubscribe(SubscriptionAuthorizerInput in,
        SubscriptionAuthorizerOutput out) {
      if (in.getSubscription().getTopicFilter().startsWith("forbidden/")) {
        out.failAuthorization(SubackReasonCode.NOT_AUTHORIZED, "forbidden filter");
      } else {
        out.authorizeSuccessfully();
      }
    }
  }
}
