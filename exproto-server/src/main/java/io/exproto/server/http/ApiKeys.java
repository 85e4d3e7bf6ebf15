package io.exproto.server.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The API keys the management HTTP API accepts, read from a bootstrap file as EMQX's
 * {@code api_key.bootstrap_file}: one {@code key:secret} per line (EMQX's optional third field,
 * the role, is accepted and ignored; blank lines and lines starting with {@code #} are skipped).
 * A request authenticates with HTTP Basic, user = key, password = secret. Immutable,
 * thread-safe.
 */
public final class ApiKeys {
  private final Map<String, byte[]> secrets;

  private ApiKeys(Map<String, byte[]> secrets) {
    this.secrets = secrets;
  }

  /** No keys: only allowed on a loopback address, where the API is then open. */
  public static ApiKeys none() {
    return new ApiKeys(Map.of());
  }

  /**
   * Reads a bootstrap file.
   *
   * @throws IllegalArgumentException naming the file and line that is wrong
   */
  public static ApiKeys read(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException("api_key.bootstrap_file " + file + " cannot be read: "
          + e.getMessage(), e);
    }
    Map<String, byte[]> out = new LinkedHashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] parts = line.split(":", -1);
      if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
        throw new IllegalArgumentException("api_key.bootstrap_file " + file + " line " + (i + 1)
            + ": expected key:secret (or key:secret:role)");
      }
      out.put(parts[0], parts[1].getBytes(StandardCharsets.UTF_8));
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("api_key.bootstrap_file " + file + " has no key:secret"
          + " line");
    }
    return new ApiKeys(Map.copyOf(out));
  }

  /** True if no key is configured. */
  public boolean isEmpty() {
    return secrets.isEmpty();
  }

  /** How many keys. */
  public int size() {
    return secrets.size();
  }

  /**
   * True if {@code authorization} (the header's value, may be null) carries a known key and its
   * secret, or if no key is configured.
   */
  public boolean allows(String authorization) {
    if (secrets.isEmpty()) {
      return true;
    }
    if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
      return false;
    }
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(authorization.substring(6).strip()),
          StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return false;
    }
    int colon = decoded.indexOf(':');
    if (colon < 0) {
      return false;
    }
    byte[] expected = secrets.get(decoded.substring(0, colon));
    byte[] given = decoded.substring(colon + 1).getBytes(StandardCharsets.UTF_8);
    // Constant time over the secret; an unknown key compares against itself to take as long.
    return MessageDigest.isEqual(expected == null ? given : expected, given) && expected != null;
  }
}
