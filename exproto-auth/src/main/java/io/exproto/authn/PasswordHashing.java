package io.exproto.authn;

import at.favre.lib.crypto.bcrypt.BCrypt;
import at.favre.lib.crypto.bcrypt.LongPasswordStrategies;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Set;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * EMQX's {@code password_hash_algorithm}: how a stored hash and salt are checked against a
 * password, and how new passwords are hashed. The hashes are EMQX's, so users exported from EMQX
 * (or hashed by any tool the same way) check unchanged:
 * <ul>
 *   <li>{@code plain}, {@code md5}, {@code sha}, {@code sha256}, {@code sha512}: the digest, in
 *       lower-case hex, of salt + password ({@code salt_position = prefix}, EMQX's default),
 *       password + salt ({@code suffix}) or the password alone ({@code disable}); compared without
 *       regard to case ({@code plain} with regard to it).
 *   <li>{@code pbkdf2}: PBKDF2-HMAC with {@code mac_fun} (sha, sha224, sha256, sha384, sha512),
 *       {@code iterations}, {@code dk_length} (default: the MAC's output size), the salt as given,
 *       in hex.
 *   <li>{@code bcrypt}: the stored hash is a {@code $2a$/$2b$/$2y$} string; new hashes use
 *       {@code salt_rounds} (5 to 10, default 10), and the salt stored is the hash itself, as in
 *       EMQX. Passwords beyond 72 bytes are truncated, as bcrypt always did.
 * </ul>
 * New salts are 16 random bytes in 32 hex characters, as EMQX makes them. Immutable and
 * thread-safe; checks are CPU work (pbkdf2 and bcrypt are slow by design).
 */
public final class PasswordHashing {
  /** The algorithms. */
  public enum Name { PLAIN, MD5, SHA, SHA256, SHA512, PBKDF2, BCRYPT }

  /** Where the salt goes for the simple digests. */
  public enum SaltPosition { PREFIX, SUFFIX, DISABLE }

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final BCrypt.Verifyer BCRYPT_VERIFY = BCrypt.verifyer(BCrypt.Version.VERSION_2B,
      LongPasswordStrategies.truncate(BCrypt.Version.VERSION_2B));

  private final Name name;
  private final SaltPosition saltPosition;
  private final String macFun;
  private final int iterations;
  private final int dkLength;
  private final int saltRounds;

  private PasswordHashing(Name name, SaltPosition saltPosition, String macFun, int iterations,
      int dkLength, int saltRounds) {
    this.name = name;
    this.saltPosition = saltPosition;
    this.macFun = macFun;
    this.iterations = iterations;
    this.dkLength = dkLength;
    this.saltRounds = saltRounds;
  }

  /** EMQX's default: {@code sha256} with the salt as prefix. */
  public static PasswordHashing defaults() {
    return simple(Name.SHA256, SaltPosition.PREFIX);
  }

  /** plain, md5, sha, sha256 or sha512 with a salt position. */
  public static PasswordHashing simple(Name name, SaltPosition saltPosition) {
    if (name == Name.PBKDF2 || name == Name.BCRYPT) {
      throw new IllegalArgumentException(name + " is not a simple digest");
    }
    return new PasswordHashing(name, saltPosition, null, 0, 0, 0);
  }

  /**
   * PBKDF2.
   *
   * @param macFun sha, sha224, sha256, sha384 or sha512
   * @param iterations at least 1
   * @param dkLength the derived key length in bytes, or 0 for the MAC's output size
   */
  public static PasswordHashing pbkdf2(String macFun, int iterations, int dkLength) {
    String mac = macFun.toLowerCase(Locale.ROOT);
    int outLen = macLength(mac);
    if (outLen < 0) {
      throw new IllegalArgumentException("mac_fun '" + macFun + "' is not supported; use one of"
          + " sha, sha224, sha256, sha384, sha512");
    }
    if (iterations < 1) {
      throw new IllegalArgumentException("iterations must be at least 1, was " + iterations);
    }
    return new PasswordHashing(Name.PBKDF2, SaltPosition.DISABLE, mac, iterations,
        dkLength <= 0 ? outLen : dkLength, 0);
  }

  /** bcrypt with {@code saltRounds} (5 to 10) for new hashes. */
  public static PasswordHashing bcrypt(int saltRounds) {
    if (saltRounds < 5 || saltRounds > 10) {
      throw new IllegalArgumentException("salt_rounds must be between 5 and 10, was "
          + saltRounds);
    }
    return new PasswordHashing(Name.BCRYPT, SaltPosition.DISABLE, null, 0, 0, saltRounds);
  }

  /**
   * Reads EMQX's {@code password_hash_algorithm { name, salt_position, mac_fun, iterations,
   * dk_length, salt_rounds }}; absent means {@link #defaults()}.
   *
   * @throws IllegalArgumentException naming the setting that is wrong
   */
  public static PasswordHashing fromConfig(ConfigReader c) {
    if (c.keys().isEmpty()) {
      return defaults();
    }
    String n = c.oneOf("name", null, "plain", "md5", "sha", "sha256", "sha512", "pbkdf2",
        "bcrypt");
    if (n == null) {
      throw c.error("name", "required: one of plain, md5, sha, sha256, sha512, pbkdf2, bcrypt");
    }
    try {
      switch (n) {
        case "pbkdf2" -> {
          c.refuseUnknown(Set.of("name", "mac_fun", "iterations", "dk_length"));
          if (!c.has("iterations")) {
            throw c.error("iterations", "required for pbkdf2");
          }
          return pbkdf2(c.oneOf("mac_fun", null, "md4", "md5", "ripemd160", "sha", "sha224",
              "sha256", "sha384", "sha512") == null ? missing(c, "mac_fun")
              : c.string("mac_fun", null), c.integer("iterations", 0, 1, Integer.MAX_VALUE),
              c.integer("dk_length", 0, 0, Integer.MAX_VALUE));
        }
        case "bcrypt" -> {
          c.refuseUnknown(Set.of("name", "salt_rounds"));
          return bcrypt(c.integer("salt_rounds", 10, 5, 10));
        }
        default -> {
          c.refuseUnknown(Set.of("name", "salt_position"));
          return simple(Name.valueOf(n.toUpperCase(Locale.ROOT)), SaltPosition.valueOf(
              c.oneOf("salt_position", "prefix", "prefix", "suffix", "disable")
                  .toUpperCase(Locale.ROOT)));
        }
      }
    } catch (IllegalArgumentException e) {
      if (e.getMessage() != null && e.getMessage().startsWith(c.path())) {
        throw e;
      }
      throw new IllegalArgumentException(c.path() + ": " + e.getMessage(), e);
    }
  }

  private static String missing(ConfigReader c, String key) {
    throw c.error(key, "required for pbkdf2");
  }

  /** The algorithm. */
  public Name name() {
    return name;
  }

  /** The salt position of a simple digest. */
  public SaltPosition saltPosition() {
    return saltPosition;
  }

  /**
   * True if {@code password} matches the stored {@code hash} and {@code salt} (salt may be null or
   * empty). Constant-time comparison.
   */
  public boolean check(String password, String hash, String salt) {
    if (password == null || hash == null) {
      return false;
    }
    String s = salt == null ? "" : salt;
    switch (name) {
      case BCRYPT:
        try {
          return BCRYPT_VERIFY.verify(password.getBytes(StandardCharsets.UTF_8),
              hash.getBytes(StandardCharsets.UTF_8)).verified;
        } catch (RuntimeException malformedHash) {
          return false;
        }
      case PLAIN:
        return constantTimeEquals(digest(password, s), hash);
      default:
        return constantTimeEquals(digest(password, s), hash.toLowerCase(Locale.ROOT));
    }
  }

  /** A stored hash and its salt. */
  public record Hashed(String hash, String salt) {}

  /** Hashes {@code password} with a new random salt (none for {@code disable} and plain). */
  public Hashed hash(String password) {
    switch (name) {
      case BCRYPT: {
        String h = new String(BCrypt.with(BCrypt.Version.VERSION_2B, RANDOM,
            LongPasswordStrategies.truncate(BCrypt.Version.VERSION_2B))
            .hash(saltRounds, password.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
        return new Hashed(h, h);
      }
      case PBKDF2: {
        String salt = newSalt();
        return new Hashed(digest(password, salt), salt);
      }
      default: {
        String salt = name == Name.PLAIN || saltPosition == SaltPosition.DISABLE ? "" : newSalt();
        return new Hashed(digest(password, salt), salt);
      }
    }
  }

  /** EMQX's salt: 16 random bytes as 32 lower-case hex characters. */
  public static String newSalt() {
    byte[] b = new byte[16];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  private String digest(String password, String salt) {
    if (name == Name.PBKDF2) {
      try {
        SecretKeyFactory f = SecretKeyFactory.getInstance("PBKDF2WithHmac" + jdkMac(macFun));
        byte[] dk = f.generateSecret(new PBEKeySpec(password.toCharArray(),
            salt.getBytes(StandardCharsets.UTF_8), iterations, dkLength * 8)).getEncoded();
        return HexFormat.of().formatHex(dk);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("PBKDF2 with " + macFun + " is not available", e);
      }
    }
    String data = switch (saltPosition) {
      case PREFIX -> salt + password;
      case SUFFIX -> password + salt;
      case DISABLE -> password;
    };
    if (name == Name.PLAIN) {
      return data;
    }
    try {
      MessageDigest md = MessageDigest.getInstance(switch (name) {
        case MD5 -> "MD5";
        case SHA -> "SHA-1";
        case SHA256 -> "SHA-256";
        default -> "SHA-512";
      });
      return HexFormat.of().formatHex(md.digest(data.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String jdkMac(String mac) {
    return switch (mac) {
      case "sha" -> "SHA1";
      default -> mac.toUpperCase(Locale.ROOT);
    };
  }

  private static int macLength(String mac) {
    return switch (mac) {
      case "sha" -> 20;
      case "sha224" -> 28;
      case "sha256" -> 32;
      case "sha384" -> 48;
      case "sha512" -> 64;
      default -> -1;
    };
  }

  private static boolean constantTimeEquals(String a, String b) {
    return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8),
        b.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return switch (name) {
      case PBKDF2 -> "pbkdf2(" + macFun + ", " + iterations + " iterations, " + dkLength + " bytes)";
      case BCRYPT -> "bcrypt(" + saltRounds + " rounds)";
      default -> name.name().toLowerCase(Locale.ROOT) + "(salt "
          + saltPosition.name().toLowerCase(Locale.ROOT) + ")";
    };
  }
}
