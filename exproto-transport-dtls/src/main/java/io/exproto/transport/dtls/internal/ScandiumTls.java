package io.exproto.transport.dtls.internal;

import io.exproto.tls.TlsSettings;
import java.security.cert.X509Certificate;
import org.eclipse.californium.elements.config.CertificateAuthenticationMode;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.CertificateType;
import org.eclipse.californium.scandium.dtls.x509.SingleCertificateProvider;
import org.eclipse.californium.scandium.dtls.x509.StaticNewAdvancedCertificateVerifier;

/**
 * Turns a dtls listener's {@link TlsSettings} into Scandium's settings: the certificate as the
 * connector's identity, {@link TlsSettings.ClientAuth} as its client authentication mode, and the
 * trusted certificates as its certificate verifier. Not API. Stateless; thread-safe.
 */
final class ScandiumTls {
  private ScandiumTls() {}

  /** Scandium's client authentication mode for {@code tls}; NONE without settings. */
  static CertificateAuthenticationMode clientAuthentication(TlsSettings tls) {
    if (tls == null) {
      return CertificateAuthenticationMode.NONE;
    }
    return switch (tls.clientAuth()) {
      case NONE -> CertificateAuthenticationMode.NONE;
      case OPTIONAL -> CertificateAuthenticationMode.WANTED;
      case REQUIRE -> CertificateAuthenticationMode.NEEDED;
    };
  }

  /**
   * Sets the connector's certificate and, when clients are verified, its verifier of their
   * certificates; nothing without settings (pre-shared keys only).
   */
  static void apply(DtlsConnectorConfig.Builder b, TlsSettings tls) {
    if (tls == null) {
      return;
    }
    b.setCertificateIdentityProvider(new SingleCertificateProvider(tls.privateKey().orElseThrow(),
        tls.certificateChain().toArray(new X509Certificate[0]), CertificateType.X_509));
    if (tls.clientAuth() != TlsSettings.ClientAuth.NONE) {
      b.setAdvancedCertificateVerifier(StaticNewAdvancedCertificateVerifier.builder()
          .setTrustedCertificates(tls.trustCertificates().toArray(new X509Certificate[0]))
          .build());
    }
  }
}
