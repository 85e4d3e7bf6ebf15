package io.exproto.transport.dtls;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Fuzzes the PSK file reader with arbitrary file contents: it either returns identities with
 * secrets of 1 to 65535 bytes, or refuses the file with an {@link IllegalArgumentException} naming
 * it. Seeds: EMQX-style files under {@code PskFileFuzzTestInputs}.
 */
class PskFileFuzzTest {
  private static Path dir;

  @BeforeAll
  static void createDir() throws IOException {
    dir = Files.createTempDirectory("psk-fuzz");
  }

  @AfterAll
  static void deleteDir() throws IOException {
    try (var files = Files.list(dir)) {
      files.forEach(p -> p.toFile().delete());
    }
    Files.deleteIfExists(dir);
  }

  @FuzzTest(maxDuration = "24h")
  void readsOrRefuses(byte[] contents) {
    Path file = dir.resolve("psk.txt");
    try {
      Files.write(file, contents);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (String separator : new String[] {":", "::", " "}) {
      Map<String, byte[]> keys;
      try {
        keys = PskFile.read(file, separator);
      } catch (IllegalArgumentException e) {
        assertThat(e).hasMessageContaining(file.toString());
        continue;
      }
      assertThat(keys).isNotEmpty();
      keys.forEach((identity, secret) -> {
        assertThat(identity).isNotEmpty();
        assertThat(secret.length).isBetween(1, 65535);
      });
    }
  }
}
