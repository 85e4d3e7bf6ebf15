package io.exproto.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.exproto.server.StandaloneGateway.Launch;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** --http and the http block of --config: where the API listens, its keys, what is refused. */
class StandaloneGatewayHttpConfigTest {
  @TempDir
  Path dir;

  @RegisterExtension
  final GatewayLauncher launcher = new GatewayLauncher();

  private Launch launch(String conf, String... flags) throws Exception {
    return launcher.launchWithConfig(dir.resolve("exproto.conf"), conf, flags);
  }

  @Test
  void httpFlagServesStatusAndTheReadyLineNamesIt() throws Exception {
    Launch launch = launcher.launch("--listen", "tcp://127.0.0.1:0", "--adapter", "127.0.0.1:0",
        "--http", "127.0.0.1:0");
    assertThat(launch.exitCode()).as(launcher.err()).isZero();
    int port = launch.running().httpAddress().getPort();
    assertThat(launch.running().readyLine()).contains(" http=127.0.0.1:" + port);
    var r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
        "http://127.0.0.1:" + port + "/status")).build(), BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).startsWith("Node exproto@127.0.0.1 is started");
  }

  @Test
  void withoutHttpThereIsNoHttpServer() throws Exception {
    Launch launch = launcher.launch("--listen", "tcp://127.0.0.1:0", "--adapter", "127.0.0.1:0");
    assertThat(launch.exitCode()).isZero();
    assertThat(launch.running().httpAddress()).isNull();
    assertThat(launch.running().readyLine()).doesNotContain("http=");
  }

  @Test
  void aNonLoopbackAddressWithoutAKeyIsRefused() throws Exception {
    Launch launch = launcher.launch("--listen", "tcp://127.0.0.1:0", "--adapter", "127.0.0.1:0",
        "--http", "0.0.0.0:0");
    assertThat(launch.exitCode()).isEqualTo(2);
    assertThat(launcher.err()).contains("--http", "without an API key",
        "http.api_key.bootstrap_file");
  }

  @Test
  void aNonLoopbackAddressWithAKeyFileStartsAndAsksForTheKey() throws Exception {
    Path keys = dir.resolve("keys");
    Files.writeString(keys, "k1:s1\n");
    Launch launch = launch("http { bind = \"0.0.0.0:0\", api_key.bootstrap_file = \"" + keys
        + "\" }\n", "--listen", "tcp://127.0.0.1:0", "--adapter", "127.0.0.1:0");
    assertThat(launch.exitCode()).as(launcher.err()).isZero();
    int port = launch.running().httpAddress().getPort();
    var r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
        "http://127.0.0.1:" + port + "/api/v5/gateways/exproto")).build(),
        BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(401);
  }

  @Test
  void unknownKeysAndBadKeyFilesAreRefusedByPath() throws Exception {
    assertThat(launch("http { bind = \"127.0.0.1:0\", port = 1 }\n").exitCode()).isEqualTo(2);
    assertThat(launcher.err()).contains("http.port is not a setting this gateway knows");
    launcher.resetOutput();
    assertThat(launch("http { api_key { file = x } }\n").exitCode()).isEqualTo(2);
    assertThat(launcher.err()).contains("http.api_key.file is not a setting");
    launcher.resetOutput();
    Path keys = dir.resolve("bad-keys");
    Files.writeString(keys, "only-a-key\n");
    assertThat(launch("http { api_key.bootstrap_file = \"" + keys + "\" }\n").exitCode())
        .isEqualTo(2);
    assertThat(launcher.err()).contains("line 1", "key:secret");
    launcher.resetOutput();
    assertThat(launch("gateway.exproto { http { bind = \"127.0.0.1:0\" } }\n").exitCode())
        .isEqualTo(2);
    assertThat(launcher.err()).contains("gateway.exproto.http is not a setting");
  }
}
