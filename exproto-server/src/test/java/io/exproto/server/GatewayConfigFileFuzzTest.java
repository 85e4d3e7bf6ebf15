package io.exproto.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Fuzzes the HOCON config loader with arbitrary file contents, seeded with EMQX-shaped
 * {@code gateway.exproto} blocks (listeners of each type, TLS/DTLS options, framing, PSK, health
 * checks) under {@code GatewayConfigFileFuzzTestInputs}: it either returns a configuration or
 * refuses the file with an {@link IllegalArgumentException} (a usage error), never anything else.
 */
class GatewayConfigFileFuzzTest {
  private static Path dir;

  @BeforeAll
  static void createDir() throws IOException {
    dir = Files.createTempDirectory("config-fuzz");
  }

  @AfterAll
  static void deleteDir() throws IOException {
    try (var files = Files.list(dir)) {
      files.forEach(p -> p.toFile().delete());
    }
    Files.deleteIfExists(dir);
  }

  @FuzzTest(maxDuration = "24h")
  void loadsOrRefuses(byte[] contents) {
    Path file = dir.resolve("exproto.conf");
    try {
      Files.write(file, contents);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    GatewayConfigFile config;
    try {
      config = GatewayConfigFile.load(file.toFile());
    } catch (IllegalArgumentException e) {
      assertThat(e.getMessage()).isNotBlank();
      return;
    }
    assertThat(config).isNotNull();
    assertThat(config.listeners()).doesNotContainNull();
  }
}
