package io.exproto.transport.dtls;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Reads pre-shared keys for {@link DtlsListener.Builder#psk(Map)} from a file in the format of
 * EMQX's {@code psk_authentication.init_file}: one {@code identity:secret} per line.
 *
 * <pre>
 * # devices of site A
 * emqx_c:BA0DB2A3448345A3A13A91C2ADA44778
 * myclient1:8c701116e9127c57a99d5563709af3deaca75563e2c4dd0865701ae839fb6d79
 * </pre>
 *
 * <ul>
 *   <li>A line is split at the first separator ({@code :} unless given): the identity is the text
 *       before it (UTF-8), the secret is everything after it, up to the end of the line.
 *   <li>The secret is used as written: its bytes are the key. {@code BA0D...} is the 32-byte key
 *       of those 32 characters, not the 16 bytes the hex would decode to. This is what EMQX does,
 *       so a file that works there works here and a client configured for EMQX connects unchanged.
 *       (A client whose tool takes the key in hex, such as OpenSSL's {@code -psk}, must be given
 *       the hex of these characters.)
 *   <li>Nothing is trimmed but the line end ({@code \n} or {@code \r\n}): spaces around the
 *       separator belong to the identity or the secret, as in EMQX.
 *   <li>Unlike EMQX, blank lines and lines starting with {@code #} are skipped, and an identity
 *       given twice is an error (EMQX kept the last). A UTF-8 byte order mark is ignored.
 * </ul>
 */
public final class PskFile {

  /** EMQX's default {@code psk_authentication.separator}. */
  public static final String DEFAULT_SEPARATOR = ":";

  // RFC 4279: psk_identity<0..2^16-1>, and the PSK is written with a 16-bit length too.
  private static final int MAX_LENGTH = 65535;

  private PskFile() {}

  /** {@link #read(Path, String)} with the {@link #DEFAULT_SEPARATOR}. */
  public static Map<String, byte[]> read(Path file) {
    return read(file, DEFAULT_SEPARATOR);
  }

  /**
   * Reads {@code file}.
   *
   * @return the secrets by identity, in file order; at least one
   * @throws IllegalArgumentException naming the file, and the line number for a malformed line,
   *     if the file cannot be read, a line has no separator, an empty identity or secret, an
   *     identity that is not UTF-8 or given before, or if the file holds no identity
   */
  public static Map<String, byte[]> read(Path file, String separator) {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(separator, "separator");
    if (separator.isEmpty() || separator.indexOf('\n') >= 0 || separator.indexOf('\r') >= 0) {
      throw new IllegalArgumentException("psk separator must be non-empty text on one line, was '"
          + separator + "'");
    }
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("psk file " + file + " cannot be read: no such file", e);
    } catch (AccessDeniedException e) {
      throw new IllegalArgumentException("psk file " + file + " cannot be read: permission denied",
          e);
    } catch (IOException e) {
      throw new IllegalArgumentException("psk file " + file + " cannot be read: " + e, e);
    }
    byte[] sep = separator.getBytes(StandardCharsets.UTF_8);
    Map<String, byte[]> secrets = new LinkedHashMap<>();
    Map<String, Integer> lineOf = new HashMap<>();
    int start = startsWithBom(bytes) ? 3 : 0;
    int lineNumber = 0;
    while (start < bytes.length) {
      lineNumber++;
      int end = indexOf(bytes, (byte) '\n', start);
      int next = end < 0 ? bytes.length : end + 1;
      int stop = end < 0 ? bytes.length : end;
      if (stop > start && bytes[stop - 1] == '\r') {
        stop--;
      }
      String at = "psk file " + file + " line " + lineNumber + ": ";
      if (!isBlank(bytes, start, stop) && bytes[start] != '#') {
        int split = indexOf(bytes, sep, start, stop);
        if (split < 0) {
          throw new IllegalArgumentException(at + "no separator '" + separator
              + "'; lines are identity" + separator + "secret");
        }
        String identity = utf8(bytes, start, split, at);
        byte[] secret = Arrays.copyOfRange(bytes, split + sep.length, stop);
        if (identity.isEmpty()) {
          throw new IllegalArgumentException(at + "the identity before '" + separator
              + "' is empty");
        }
        if (secret.length == 0) {
          throw new IllegalArgumentException(at + "the secret of identity '" + identity
              + "' is empty");
        }
        if (split - start > MAX_LENGTH || secret.length > MAX_LENGTH) {
          throw new IllegalArgumentException(at + "identities and secrets are at most "
              + MAX_LENGTH + " bytes");
        }
        Integer first = lineOf.putIfAbsent(identity, lineNumber);
        if (first != null) {
          throw new IllegalArgumentException(at + "identity '" + identity
              + "' was already given on line " + first);
        }
        secrets.put(identity, secret);
      }
      start = next;
    }
    if (secrets.isEmpty()) {
      throw new IllegalArgumentException("psk file " + file + " holds no identity" + separator
          + "secret line");
    }
    return Collections.unmodifiableMap(secrets);
  }

  private static boolean startsWithBom(byte[] b) {
    return b.length >= 3 && (b[0] & 0xff) == 0xEF && (b[1] & 0xff) == 0xBB
        && (b[2] & 0xff) == 0xBF;
  }

  private static boolean isBlank(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != ' ' && b[i] != '\t') {
        return false;
      }
    }
    return true;
  }

  private static int indexOf(byte[] b, byte value, int from) {
    for (int i = from; i < b.length; i++) {
      if (b[i] == value) {
        return i;
      }
    }
    return -1;
  }

  private static int indexOf(byte[] b, byte[] value, int from, int to) {
    outer:
    for (int i = from; i <= to - value.length; i++) {
      for (int j = 0; j < value.length; j++) {
        if (b[i + j] != value[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static String utf8(byte[] b, int from, int to, String at) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b, from, to - from)).toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(at + "the identity is not UTF-8 text", e);
    }
  }
}
