package io.exproto.handler;

import java.util.Objects;

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
}
