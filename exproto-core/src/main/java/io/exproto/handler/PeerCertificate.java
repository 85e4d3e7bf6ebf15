package io.exproto.handler;

import java.security.cert.X509Certificate;
import java.util.Objects;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;

/**
 * The certificate a TLS or DTLS client presented.
 *
 * @param cn the subject's common name, empty if it has none
 * @param dn the subject's distinguished name in RFC 4514 form, e.g. {@code CN=client,O=Org,C=CN}
 */
public record PeerCertificate(String cn, String dn) {
  /** Validates the arguments. */
  public PeerCertificate {
    Objects.requireNonNull(cn, "cn");
    Objects.requireNonNull(dn, "dn");
  }

  /**
   * The subject of {@code certificate}: its distinguished name in RFC 4514 (RFC 2253) form and its
   * most specific (leftmost) common name, empty if it has none. Every transport reports a client
   * certificate through this method, so {@code cn} and {@code dn} read the same on TLS and DTLS.
   */
  public static PeerCertificate of(X509Certificate certificate) {
    X500Principal subject = certificate.getSubjectX500Principal();
    String dn = subject.getName(X500Principal.RFC2253);
    return new PeerCertificate(commonName(dn), dn);
  }

  private static String commonName(String rfc2253) {
    try {
      // LdapName lists the RDNs rightmost first, so the last CN is the leftmost, most specific.
      String cn = "";
      for (Rdn rdn : new LdapName(rfc2253).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          cn = String.valueOf(rdn.getValue());
        }
      }
      return cn;
    } catch (InvalidNameException e) {
      return ""; // the JDK printed it, so it parses; kept safe all the same
    }
  }
}
