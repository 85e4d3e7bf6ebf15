package io.exproto.authn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exproto.authn.ConfigReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every algorithm and salt position against hashes made by an independent tool: Python's hashlib
 * and crypt (libxcrypt bcrypt), in {@code hash-vectors.tsv}.
 */
class PasswordHashingTest {
  static final String PASSWORD = "p@ss wörd";

  record Vector(String name, String saltPosition, String macFun, int n, int dkLength, String hash,
      String salt) {}

  static List<Vector> vectors() throws IOException {
    List<Vector> out = new ArrayList<>();
    try (InputStream in = PasswordHashingTest.class.getResourceAsStream("/hash-vectors.tsv")) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (line.startsWith("#") || line.isBlank()) {
          continue;
        }
        String[] f = line.split("\t", -1);
        out.add(new Vector(f[0], f[1], f[2], Integer.parseInt(f[3]), Integer.parseInt(f[4]), f[5],
            f[6]));
      }
    }
    return out;
  }

  static PasswordHashing of(Vector v) {
    return switch (v.name) {
      case "pbkdf2" -> PasswordHashing.pbkdf2(v.macFun, v.n, v.dkLength);
      case "bcrypt" -> PasswordHashing.bcrypt(Math.max(5, Math.min(10, v.n)));
      default -> PasswordHashing.simple(PasswordHashing.Name.valueOf(v.name.toUpperCase(Locale.ROOT)),
          PasswordHashing.SaltPosition.valueOf(v.saltPosition.toUpperCase(Locale.ROOT)));
    };
  }

  @Test
  void everyIndependentVectorChecksAndAWrongPasswordDoesNot() throws IOException {
    List<Vector> vs = vectors();
    assertThat(vs).hasSizeGreaterThanOrEqualTo(20);
    for (Vector v : vs) {
      PasswordHashing h = of(v);
      assertThat(h.check(PASSWORD, v.hash, v.salt)).as("%s", v).isTrue();
      assertThat(h.check(PASSWORD + "x", v.hash, v.salt)).as("wrong password %s", v).isFalse();
      if (!v.name.equals("plain") && !v.name.equals("bcrypt")) {
        // EMQX compares hex digests without regard to case
        assertThat(h.check(PASSWORD, v.hash.toUpperCase(Locale.ROOT), v.salt)).as("%s upper", v)
            .isTrue();
      }
    }
  }

  @Test
  void theSaltPositionMatters() throws IOException {
    for (Vector v : vectors()) {
      if (v.name.equals("sha256") && v.saltPosition.equals("prefix")) {
        assertThat(PasswordHashing.simple(PasswordHashing.Name.SHA256,
            PasswordHashing.SaltPosition.SUFFIX).check(PASSWORD, v.hash, v.salt)).isFalse();
      }
    }
  }

  @Test
  void newHashesCheckAndUseFreshSalts() {
    for (PasswordHashing h : List.of(PasswordHashing.defaults(),
        PasswordHashing.simple(PasswordHashing.Name.SHA512, PasswordHashing.SaltPosition.SUFFIX),
        PasswordHashing.pbkdf2("sha256", 100, 0), PasswordHashing.bcrypt(5))) {
      PasswordHashing.Hashed a = h.hash("secret");
      PasswordHashing.Hashed b = h.hash("secret");
      assertThat(a.hash()).isNotEqualTo(b.hash());
      assertThat(h.check("secret", a.hash(), a.salt())).as("%s", h).isTrue();
      assertThat(h.check("Secret", a.hash(), a.salt())).as("%s", h).isFalse();
    }
    assertThat(PasswordHashing.defaults().hash("x").salt()).matches("[0-9a-f]{32}");
  }

  @Test
  void malformedStoredHashesAreARefusalNotACrash() {
    assertThat(PasswordHashing.bcrypt(10).check("x", "$2b$10$tooshort", "")).isFalse();
    assertThat(PasswordHashing.defaults().check("x", null, null)).isFalse();
  }

  @Test
  void configErrorsNameTheSetting() {
    assertThatThrownBy(() -> PasswordHashing.fromConfig(new ConfigReader(
        Map.of("name", "sha3"), "a.password_hash_algorithm")))
        .hasMessageContaining("a.password_hash_algorithm.name").hasMessageContaining("sha3");
    assertThatThrownBy(() -> PasswordHashing.fromConfig(new ConfigReader(
        Map.of("name", "pbkdf2", "mac_fun", "sha256"), "p")))
        .hasMessageContaining("p.iterations");
    assertThatThrownBy(() -> PasswordHashing.fromConfig(new ConfigReader(
        Map.of("name", "pbkdf2", "mac_fun", "md4", "iterations", 3), "p")))
        .hasMessageContaining("md4");
    assertThatThrownBy(() -> PasswordHashing.fromConfig(new ConfigReader(
        Map.of("name", "sha256", "salt_position", "middle"), "p")))
        .hasMessageContaining("p.salt_position");
    assertThatThrownBy(() -> PasswordHashing.fromConfig(new ConfigReader(
        Map.of("name", "sha256", "rounds", 3), "p"))).hasMessageContaining("p.rounds");
    assertThat(PasswordHashing.fromConfig(new ConfigReader(Map.of("name", "bcrypt",
        "salt_rounds", 6), "p")).name()).isEqualTo(PasswordHashing.Name.BCRYPT);
  }
}
