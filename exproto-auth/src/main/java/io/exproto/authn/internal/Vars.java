package io.exproto.authn.internal;

import io.exproto.auth.ClientIdentity;
import io.exproto.auth.Credentials;
import io.exproto.handler.PeerCertificate;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.function.Function;

/** The placeholders EMQX renders in requests and queries, and their values. */
public final class Vars {
  /** Placeholders of authentication requests. */
  public static final Set<String> AUTHN = Set.of("clientid", "username", "password", "peerhost",
      "peerport", "cert_subject", "cert_common_name", "protocol", "listener");
  /** Placeholders of authorization requests. */
  public static final Set<String> AUTHZ = Set.of("clientid", "username", "peerhost", "peerport",
      "cert_subject", "cert_common_name", "listener", "action", "topic");

  private Vars() {}

  /** The values of {@link #AUTHN} for {@code c}. */
  public static Function<String, String> of(Credentials c) {
    return v -> switch (v) {
      case "clientid" -> c.clientId();
      case "username" -> c.username();
      case "password" -> c.password();
      case "protocol" -> c.protoName();
      case "listener" -> c.listener();
      default -> common(v, c.peer(), c.peerCertificate());
    };
  }

  /** The values of {@link #AUTHZ} for a check. */
  public static Function<String, String> of(ClientIdentity c, String action, String topic) {
    return v -> switch (v) {
      case "clientid" -> c.clientId();
      case "username" -> c.username();
      case "listener" -> c.listener();
      case "action" -> action;
      case "topic" -> topic;
      default -> common(v, c.peer(), c.peerCertificate());
    };
  }

  private static String common(String v, InetSocketAddress peer, PeerCertificate cert) {
    return switch (v) {
      case "peerhost" -> peer.getAddress() != null ? peer.getAddress().getHostAddress()
          : peer.getHostString();
      case "peerport" -> Integer.toString(peer.getPort());
      case "cert_subject" -> cert == null ? "" : cert.dn();
      case "cert_common_name" -> cert == null ? "" : cert.cn();
      default -> "";
    };
  }
}
