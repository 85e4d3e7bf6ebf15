package io.exproto.transport;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * For the transport and gRPC modules' TLS/DTLS tests (shared through exproto-core's test-jar; the
 * testkit publishes the same helper for users as io.exproto.testkit.TestCertificates): a test PKI
 * made at test time, as PEM files in a directory (nothing secret is committed): a CA,
 * certificates it signed, and one from an unrelated CA. EC P-256 keys (fast to make) in PKCS#8,
 * except {@link #rsaServer}, whose key is PKCS#1 ({@code BEGIN RSA PRIVATE KEY}).
 */
public final class TestCertificates {

  /** A certificate (chain) file and its private key file. */
  /**
   * @param certificate the certificate (chain) PEM file
   * @param privateKey its private key PEM file
   */
  public record Issued(Path certificate, Path privateKey) {}

  private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime());

  /** The CA that signed everything below except {@link #untrustedClient}. */
  public final Path ca;
  /** Server certificate, SAN DNS:localhost and IP:127.0.0.1. */
  public final Issued server;
  /** Server certificate, SAN DNS:localhost and DNS:handler.test, no IP: needs SNI on 127.0.0.1. */
  public final Issued namesOnlyServer;
  /** Like {@link #server}, with an RSA key written as PKCS#1. */
  public final Issued rsaServer;
  /** Client certificate CN=client,O=Org,C=CN. */
  public final Issued client;
  /** Client certificate signed by another CA, which nobody trusts. */
  public final Issued untrustedClient;

  private TestCertificates(Path dir) throws Exception {
    KeyPair caKeys = ecKeys();
    X500Name caName = name("CN=exproto test CA,O=Org,C=CN");
    X509Certificate caCert = sign(caName, caKeys, caName, caKeys, true, null, null);
    ca = write(dir.resolve("ca.pem"), pem("CERTIFICATE", caCert.getEncoded()));

    server = issue(dir, "server", caName, caKeys, ecKeys(), "CN=localhost,O=Org,C=CN",
        KeyPurposeId.id_kp_serverAuth, new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.dNSName, "localhost"),
            new GeneralName(GeneralName.iPAddress, "127.0.0.1")}), false);
    namesOnlyServer = issue(dir, "names-only-server", caName, caKeys, ecKeys(),
        "CN=handler.test,O=Org,C=CN", KeyPurposeId.id_kp_serverAuth,
        new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.dNSName, "localhost"),
            new GeneralName(GeneralName.dNSName, "handler.test")}), false);
    rsaServer = issue(dir, "rsa-server", caName, caKeys, rsaKeys(), "CN=localhost,O=Org,C=CN",
        KeyPurposeId.id_kp_serverAuth, new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.dNSName, "localhost"),
            new GeneralName(GeneralName.iPAddress, "127.0.0.1")}), true);
    client = issue(dir, "client", caName, caKeys, ecKeys(), "CN=client,O=Org,C=CN",
        KeyPurposeId.id_kp_clientAuth, null, false);

    KeyPair otherCaKeys = ecKeys();
    X500Name otherCaName = name("CN=someone else's CA,O=Elsewhere,C=CN");
    untrustedClient = issue(dir, "untrusted-client", otherCaName, otherCaKeys, ecKeys(),
        "CN=client,O=Org,C=CN", KeyPurposeId.id_kp_clientAuth, null, false);
  }

  /** Makes the whole set in {@code dir} (a {@code @TempDir}). */
  public static TestCertificates create(Path dir) throws Exception {
    return new TestCertificates(dir);
  }

  private static Issued issue(Path dir, String name, X500Name caName, KeyPair caKeys,
      KeyPair keys, String subject, KeyPurposeId purpose, GeneralNames altNames, boolean pkcs1)
      throws Exception {
    X509Certificate cert =
        sign(caName, caKeys, name(subject), keys, false, purpose, altNames);
    Path certFile = write(dir.resolve(name + ".pem"), pem("CERTIFICATE", cert.getEncoded()));
    String key = pkcs1
        ? pem("RSA PRIVATE KEY", PrivateKeyInfo.getInstance(keys.getPrivate().getEncoded())
            .parsePrivateKey().toASN1Primitive().getEncoded())
        : pem("PRIVATE KEY", keys.getPrivate().getEncoded());
    return new Issued(certFile, write(dir.resolve(name + ".key"), key));
  }

  private static X509Certificate sign(X500Name issuer, KeyPair issuerKeys, X500Name subject,
      KeyPair subjectKeys, boolean ca, KeyPurposeId purpose, GeneralNames altNames)
      throws IOException, GeneralSecurityException, OperatorCreationException {
    Instant now = Instant.now();
    JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
    X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer,
        BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(now.minus(Duration.ofHours(1))),
        Date.from(now.plus(Duration.ofDays(1))), subject, subjectKeys.getPublic())
        .addExtension(Extension.basicConstraints, true, new BasicConstraints(ca))
        .addExtension(Extension.subjectKeyIdentifier, false,
            extensions.createSubjectKeyIdentifier(subjectKeys.getPublic()))
        .addExtension(Extension.authorityKeyIdentifier, false,
            extensions.createAuthorityKeyIdentifier(issuerKeys.getPublic()));
    if (ca) {
      builder.addExtension(Extension.keyUsage, true,
          new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    } else {
      builder.addExtension(Extension.keyUsage, true,
          new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
    }
    if (altNames != null) {
      builder.addExtension(Extension.subjectAlternativeName, false, altNames);
    }
    String algorithm = issuerKeys.getPrivate().getAlgorithm().equals("RSA")
        ? "SHA256withRSA" : "SHA256withECDSA";
    return new JcaX509CertificateConverter().getCertificate(
        builder.build(new JcaContentSignerBuilder(algorithm).build(issuerKeys.getPrivate())));
  }

  /** An RFC 2253 name as the JDK reads it (most significant RDN last): prints back as given. */
  private static X500Name name(String rfc2253) {
    return X500Name.getInstance(new X500Principal(rfc2253).getEncoded());
  }

  private static KeyPair ecKeys() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }

  private static KeyPair rsaKeys() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    return generator.generateKeyPair();
  }

  /** PEM text of {@code der} under {@code type}, e.g. CERTIFICATE. */
  public static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  /** Writes {@code text} to {@code file}; returns the file. */
  public static Path write(Path file, String text) throws IOException {
    return Files.writeString(file, text, US_ASCII);
  }
}
