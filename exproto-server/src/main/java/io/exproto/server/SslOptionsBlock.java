package io.exproto.server;

import static io.exproto.server.ConfigValues.onlyKnown;
import static io.exproto.server.ConfigValues.path;
import static io.exproto.server.ConfigValues.union;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueType;
import io.exproto.server.GatewayConfigFile.TlsFiles;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * An {@code ssl_options} (or {@code dtls_options}) block of the config file as {@link TlsFiles}:
 * EMQX's keys, which of them this gateway honours, ignores or refuses, and what each place that
 * takes TLS ({@link TlsUse}) may set. Stateless.
 */
final class SslOptionsBlock {
  private SslOptionsBlock() {}

  /**
   * EMQX {@code ssl_options} keys that tune Erlang's ssl application or ask for what the JVM does
   * anyway (session reuse, secure renegotiation, the verify depth of 10): accepted, ignored.
   */
  static final Set<String> IGNORED_SSL = Set.of("reuse_sessions", "depth", "secure_renegotiate",
      "log_level", "hibernate_after", "honor_cipher_order", "client_renegotiation",
      "gc_after_handshake", "user_lookup_fun", "cacerts");

  private static final Set<String> SSL = union(IGNORED_SSL, Set.of("enable", "certfile",
      "keyfile", "cacertfile", "verify", "fail_if_no_peer_cert", "server_name_indication",
      "versions", "ciphers", "handshake_timeout", "password", "dhfile", "enable_crl_check",
      "ocsp"));

  private static final Set<String> OCSP = Set.of("enable_ocsp_stapling", "responder_url",
      "issuer_pem", "refresh_interval", "refresh_http_timeout");

  private static final Map<String, String> TLS_VERSIONS = Map.of(
      "tlsv1.3", "TLSv1.3", "tlsv1.2", "TLSv1.2", "tlsv1.1", "TLSv1.1", "tlsv1", "TLSv1");

  private static final Set<String> DEFAULT_TLS_VERSIONS = Set.of("TLSv1.3", "TLSv1.2");

  /** Where an {@code ssl_options} block is: what it may set depends on it. */
  enum TlsUse { SSL_LISTENER, DTLS_LISTENER, ADAPTER, HANDLER }

  static TlsFiles tls(Config s, String at, TlsUse use) {
    onlyKnown(s, SSL, at);
    if (use == TlsUse.HANDLER && s.hasPath("enable") && !s.getBoolean("enable")) {
      return null;
    }
    String verify = s.hasPath("verify") ? s.getString("verify").toLowerCase(Locale.ROOT) : null;
    if (verify != null && !verify.equals("verify_peer") && !verify.equals("verify_none")) {
      throw new IllegalArgumentException(at + "verify must be verify_peer or verify_none, was "
          + verify);
    }
    onlyDefault(s, at);
    String sni = s.hasPath("server_name_indication") ? s.getString("server_name_indication")
        : null;
    return new TlsFiles(path(s, "certfile"), path(s, "keyfile"), path(s, "cacertfile"),
        "verify_peer".equals(verify),
        s.hasPath("fail_if_no_peer_cert") && s.getBoolean("fail_if_no_peer_cert"),
        "disable".equals(sni) ? null : sni, versions(s, at, use), ciphers(s, at, use),
        use == TlsUse.SSL_LISTENER && s.hasPath("handshake_timeout")
            ? s.getDuration("handshake_timeout") : null);
  }

  /** The keys of features this gateway lacks, which may only have their EMQX defaults. */
  private static void onlyDefault(Config s, String at) {
    if (s.hasPath("password") && !s.getString("password").isEmpty()) {
      throw new IllegalArgumentException(at + "password: encrypted private keys are not"
          + " supported; give an unencrypted key (openssl pkey -in key.pem -out plain.pem)");
    }
    if (s.hasPath("dhfile")) {
      throw new IllegalArgumentException(at + "dhfile is not supported: the JVM chooses its own"
          + " Diffie-Hellman groups; remove it");
    }
    if (s.hasPath("enable_crl_check") && s.getBoolean("enable_crl_check")) {
      throw new IllegalArgumentException(at + "enable_crl_check = true is not supported: this"
          + " gateway does not check certificate revocation lists");
    }
    if (s.hasPath("ocsp")) {
      Config o = s.getConfig("ocsp");
      onlyKnown(o, OCSP, at + "ocsp.");
      if (o.hasPath("enable_ocsp_stapling") && o.getBoolean("enable_ocsp_stapling")) {
        throw new IllegalArgumentException(at + "ocsp.enable_ocsp_stapling = true is not"
            + " supported: this gateway does not staple OCSP responses");
      }
    }
  }

  /** {@code versions}, as Java protocol names; null when not set or, on dtls, DTLS 1.2. */
  private static List<String> versions(Config s, String at, TlsUse use) {
    if (!s.hasPath("versions")) {
      return null;
    }
    List<String> given = s.getStringList("versions");
    if (given.isEmpty()) {
      throw new IllegalArgumentException(at + "versions must not be empty");
    }
    if (use == TlsUse.DTLS_LISTENER) {
      for (String v : given) {
        if (!v.equalsIgnoreCase("dtlsv1.2")) {
          throw new IllegalArgumentException(at + "versions: '" + v + "' is not supported; dtls"
              + " listeners speak DTLS 1.2 only (dtlsv1.2)");
        }
      }
      return null;
    }
    List<String> java = new ArrayList<>();
    for (String v : given) {
      String name = TLS_VERSIONS.get(v.toLowerCase(Locale.ROOT));
      if (name == null) {
        throw new IllegalArgumentException(at + "versions: '" + v + "' is not a TLS version;"
            + " known: tlsv1.3, tlsv1.2, tlsv1.1, tlsv1");
      }
      java.add(name);
    }
    if (use != TlsUse.SSL_LISTENER && !Set.copyOf(java).equals(DEFAULT_TLS_VERSIONS)) {
      throw new IllegalArgumentException(at + "versions: only the default [tlsv1.3, tlsv1.2] is"
          + " supported here; other versions can be set on ssl listeners");
    }
    return List.copyOf(java);
  }

  /** {@code ciphers}; null when not set, empty, or on a dtls listener (which ignores them). */
  private static List<String> ciphers(Config s, String at, TlsUse use) {
    if (!s.hasPath("ciphers") || use == TlsUse.DTLS_LISTENER) {
      return null;
    }
    // EMQX also takes one comma-separated string.
    List<String> given = s.getValue("ciphers").valueType() == ConfigValueType.STRING
        ? List.of(s.getString("ciphers").split(",")) : s.getStringList("ciphers");
    List<String> names = given.stream().map(String::trim).filter(n -> !n.isEmpty()).toList();
    if (names.isEmpty()) {
      return null;
    }
    if (use != TlsUse.SSL_LISTENER) {
      throw new IllegalArgumentException(at + "ciphers: only the JVM's defaults (ciphers = [])"
          + " are supported here; ciphers can be chosen on ssl listeners");
    }
    return names;
  }
}
