package io.exproto.transport.dtls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exproto.transport.LinkListener;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link PskFile}: EMQX's {@code identity:secret} lines. */
class PskFileTest {

  @TempDir Path dir;

  private Path file(String text) throws Exception {
    Path f = dir.resolve("psk.txt");
    Files.write(f, text.getBytes(StandardCharsets.UTF_8));
    return f;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void readsEmqxLinesWithTheSecretTakenAsWritten() throws Exception {
    Map<String, byte[]> psk = PskFile.read(file("""
        emqx_c:BA0DB2A3448345A3A13A91C2ADA44778
        myclient1:8c701116e9127c57a99d5563709af3deaca75563e2c4dd0865701ae839fb6d79
        """));
    assertThat(psk).containsOnlyKeys("emqx_c", "myclient1");
    // The characters are the key: 32 bytes, not the 16 the hex would decode to.
    assertThat(psk.get("emqx_c")).isEqualTo(ascii("BA0DB2A3448345A3A13A91C2ADA44778"));
    assertThat(psk.get("myclient1")).hasSize(64);
    assertThat(psk.keySet()).containsExactly("emqx_c", "myclient1");
  }

  @Test
  void splitsAtTheFirstSeparatorAndKeepsEverythingElse() throws Exception {
    Map<String, byte[]> psk = PskFile.read(file(
        "\uFEFF# a comment\r\n\r\n  \ndev 1:a:b \r\nlast:no newline"));
    assertThat(psk.keySet()).containsExactly("dev 1", "last");
    assertThat(psk.get("dev 1")).isEqualTo(ascii("a:b ")); // only the line end is trimmed
    assertThat(psk.get("last")).isEqualTo(ascii("no newline"));
  }

  @Test
  void anotherSeparatorMayBeGiven() throws Exception {
    Map<String, byte[]> psk = PskFile.read(file("urn:dev:1 => s3cret\n"), " => ");
    assertThat(psk).containsOnlyKeys("urn:dev:1");
    assertThat(psk.get("urn:dev:1")).isEqualTo(ascii("s3cret"));
  }

  @Test
  void malformedLinesAreNamedByNumber() throws Exception {
    assertThatThrownBy(() -> PskFile.read(file("a:1\n\nno separator here\n")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("psk.txt line 3: no separator ':'");
    assertThatThrownBy(() -> PskFile.read(file("a:1\n:secret\n")))
        .hasMessageContaining("line 2: the identity before ':' is empty");
    assertThatThrownBy(() -> PskFile.read(file("a:\n")))
        .hasMessageContaining("line 1: the secret of identity 'a' is empty");
    assertThatThrownBy(() -> PskFile.read(file("a:1\nb:2\na:3\n")))
        .hasMessageContaining("line 3: identity 'a' was already given on line 1");
    Path latin1 = dir.resolve("latin1.txt");
    Files.write(latin1, new byte[] {'a', (byte) 0xE9, ':', 's'});
    assertThatThrownBy(() -> PskFile.read(latin1))
        .hasMessageContaining("line 1: the identity is not UTF-8 text");
  }

  @Test
  void anUnreadableOrEmptyFileIsAClearError() throws Exception {
    assertThatThrownBy(() -> PskFile.read(dir.resolve("missing.txt")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("missing.txt cannot be read: no such file");
    assertThatThrownBy(() -> PskFile.read(dir))
        .hasMessageContaining("cannot be read");
    assertThatThrownBy(() -> PskFile.read(file("# nothing\n\n")))
        .hasMessageContaining("holds no identity:secret line");
    assertThatThrownBy(() -> PskFile.read(file("a:1\n"), ""))
        .hasMessageContaining("psk separator");
  }

  @Test
  void aPskOnlyListenerAcceptsAClientWithAKeyFromTheFile() throws Exception {
    DtlsListener listener = DtlsListener.builder().bind("127.0.0.1", 0)
        .psk(PskFile.read(file("device-9:BA0DB2A3448345A3A13A91C2ADA44778\n"))).build();
    BlockingQueue<String> got = new LinkedBlockingQueue<>();
    listener.start(link -> new LinkListener() {
      @Override
      public void onBytes(byte[] data) {
        got.add(new String(data, StandardCharsets.UTF_8));
        link.write(data);
      }

      @Override
      public void onClosed(String reason) {}
    });
    InetSocketAddress server = listener.localAddress();
    try (DtlsClient client = DtlsClient.psk(server, "device-9",
        ascii("BA0DB2A3448345A3A13A91C2ADA44778"))) {
      client.send("ping");
      assertThat(got.poll(5, TimeUnit.SECONDS)).isEqualTo("ping");
      assertThat(client.receive()).isEqualTo("ping");
    } finally {
      listener.stop().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
