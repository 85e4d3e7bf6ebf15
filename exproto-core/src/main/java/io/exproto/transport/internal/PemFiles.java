package io.exproto.transport.internal;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the PEM files of the TLS settings, with errors that name the setting and the file. We
 * parse them here rather than let Netty do it so that every mistake (wrong file, encrypted key,
 * key of another certificate) is reported in terms of the setting a user wrote, and so that the
 * PKCS#1 RSA keys common in EMQX deployments work without Bouncy Castle.
 *
 * <p>Not API: used by {@link io.exproto.tls.TlsSettings}, which reads every TLS file of exproto's
 * TLS-capable modules, and by exproto-auth's HTTP backend; only the JDK is used. Stateless;
 * thread-safe.
 */
public final class PemFiles {
  private static final Pattern PRIVATE_KEY = Pattern.compile(
      "-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----([A-Za-z0-9+/=\\s]*?)-----END \\1PRIVATE KEY-----");
  private static final List<String> KEY_ALGORITHMS =
      List.of("RSA", "EC", "EdDSA", "RSASSA-PSS", "DSA");
  /** The DER AlgorithmIdentifier {rsaEncryption, NULL}, to wrap a PKCS#1 key as PKCS#8. */
  private static final byte[] RSA_ALGORITHM_ID = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48,
      (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};

  private PemFiles() {}

  /**
   * Checks that {@code file} exists, is a regular file and is readable.
   *
   * @param setting the setting's name as the user wrote it, for the error
   * @throws IllegalArgumentException naming the setting and the path, if not
   */
  public static void requireReadable(String setting, Path file) {
    if (!Files.exists(file)) {
      throw new IllegalArgumentException(setting + " file " + file + " does not exist");
    }
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(setting + " file " + file + " is not a regular file");
    }
    if (!Files.isReadable(file)) {
      throw new IllegalArgumentException(setting + " file " + file + " is not readable");
    }
  }

  /**
   * The certificates in a PEM file, in file order.
   *
   * @throws IllegalArgumentException naming the setting and the path, if the file cannot be read
   *     or holds no certificate
   */
  public static X509Certificate[] certificates(String setting, Path file) {
    byte[] pem = read(setting, file);
    Collection<? extends Certificate> certificates;
    try {
      certificates = CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(pem));
    } catch (CertificateException e) {
      throw new IllegalArgumentException(setting + " file " + file
          + " does not hold valid PEM certificates (-----BEGIN CERTIFICATE-----): "
          + e.getMessage(), e);
    }
    if (certificates.isEmpty()) {
      throw new IllegalArgumentException(setting + " file " + file
          + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }
    return certificates.toArray(new X509Certificate[0]);
  }

  /**
   * The private key in a PEM file: unencrypted PKCS#8 ({@code BEGIN PRIVATE KEY}) or PKCS#1 RSA
   * ({@code BEGIN RSA PRIVATE KEY}).
   *
   * @throws IllegalArgumentException naming the setting and the path, and what to do, if the file
   *     cannot be read or holds no such key
   */
  public static PrivateKey privateKey(String setting, Path file) {
    String pem = new String(read(setting, file), US_ASCII);
    Matcher matcher = PRIVATE_KEY.matcher(pem);
    if (!matcher.find()) {
      throw new IllegalArgumentException(setting + " file " + file
          + " holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
    }
    String kind = matcher.group(1).trim();
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(matcher.group(2));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(setting + " file " + file
          + " holds a damaged PEM private key: " + e.getMessage(), e);
    }
    switch (kind) {
      case "":
        break;
      case "RSA":
        der = pkcs1ToPkcs8(der);
        break;
      case "ENCRYPTED":
        throw new IllegalArgumentException(setting + " file " + file
            + " holds an encrypted private key, which is not supported; decrypt it to PKCS#8 with"
            + " openssl pkcs8 -topk8 -nocrypt -in " + file + " -out KEY.pem");
      default:
        throw new IllegalArgumentException(setting + " file " + file + " holds a '" + kind
            + " PRIVATE KEY', which is not supported; convert it to PKCS#8 with"
            + " openssl pkcs8 -topk8 -nocrypt -in " + file + " -out KEY.pem");
    }
    for (String algorithm : KEY_ALGORITHMS) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // not this algorithm: try the next
      }
    }
    throw new IllegalArgumentException(setting + " file " + file
        + " holds a private key that is damaged or of an unsupported type (supported: "
        + String.join(", ", KEY_ALGORITHMS) + ")");
  }

  /**
   * Checks that {@code key} belongs to {@code certificate} by signing with the one and verifying
   * with the other; a mismatch would otherwise only show as failing handshakes.
   *
   * @throws IllegalArgumentException naming the setting and both files, if it does not
   */
  public static void requireKeyMatches(String setting, PrivateKey key, Path keyFile,
      X509Certificate certificate, Path chainFile) {
    if (!keyMatches(key, certificate)) {
      throw new IllegalArgumentException(setting + ": the private key in " + keyFile
          + " does not belong to the first certificate in " + chainFile + " ("
          + certificate.getSubjectX500Principal().getName() + ")");
    }
  }

  /**
   * Whether {@code key} belongs to {@code certificate}, by signing with the one and verifying with
   * the other; true too for a key type this cannot check cheaply (the handshake will).
   */
  public static boolean keyMatches(PrivateKey key, X509Certificate certificate) {
    String signatureAlgorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "EdDSA", "Ed25519", "Ed448" -> "EdDSA";
      case "DSA" -> "SHA256withDSA";
      default -> null;
    };
    if (signatureAlgorithm == null) {
      return true; // cannot tell cheaply; the handshake will
    }
    byte[] probe = "exproto key check".getBytes(US_ASCII);
    try {
      Signature signer = Signature.getInstance(signatureAlgorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(signatureAlgorithm);
      verifier.initVerify(certificate.getPublicKey());
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false; // e.g. an EC key with an RSA certificate
    }
  }

  private static byte[] read(String setting, Path file) {
    requireReadable(setting, file);
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new IllegalArgumentException(setting + " file " + file + " could not be read: " + e, e);
    }
  }

  /** PrivateKeyInfo { version 0, rsaEncryption, OCTET STRING pkcs1 } in DER. */
  private static byte[] pkcs1ToPkcs8(byte[] pkcs1) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(new byte[] {0x02, 0x01, 0x00});
    body.writeBytes(RSA_ALGORITHM_ID);
    body.write(0x04);
    writeDerLength(body, pkcs1.length);
    body.writeBytes(pkcs1);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0x30);
    writeDerLength(out, body.size());
    out.writeBytes(body.toByteArray());
    return out.toByteArray();
  }

  private static void writeDerLength(ByteArrayOutputStream out, int length) {
    if (length < 0x80) {
      out.write(length);
      return;
    }
    int bytes = (Integer.SIZE - Integer.numberOfLeadingZeros(length) + 7) / 8;
    out.write(0x80 | bytes);
    for (int i = bytes - 1; i >= 0; i--) {
      out.write(length >>> (8 * i));
    }
  }
}
