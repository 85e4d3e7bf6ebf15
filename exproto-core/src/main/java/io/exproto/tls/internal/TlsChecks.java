package io.exproto.tls.internal;

import io.exproto.tls.TlsSettings;
import java.util.Objects;

/**
 * The checks a module makes on the {@link TlsSettings} it is given, with errors that name the use
 * ({@code "GrpcHandler tls"}, say). Not API. Stateless; thread-safe.
 */
public final class TlsChecks {
  private TlsChecks() {}

  /**
   * {@code tls}, if its settings are for {@code side}.
   *
   * @param use the setting, e.g. {@code "TcpListener tls"}
   * @throws IllegalArgumentException if they are for the other side
   */
  public static TlsSettings requireSide(TlsSettings tls, TlsSettings.Side side, String use) {
    Objects.requireNonNull(tls, "tls");
    if (tls.side() != side) {
      String wanted = side == TlsSettings.Side.SERVER ? "server" : "client";
      String given = side == TlsSettings.Side.SERVER ? "client" : "server";
      throw new IllegalArgumentException(use + " takes " + wanted + " settings (TlsSettings."
          + wanted + "()), not " + given + " settings: " + tls);
    }
    return tls;
  }

  /**
   * Refuses protocols and cipher suites, for a use whose TLS cannot honour them.
   *
   * @param use the setting, e.g. {@code "GrpcHandler tls"}
   * @throws IllegalArgumentException if either is set
   */
  public static void refuseProtocolsAndCiphers(TlsSettings tls, String use) {
    if (!tls.protocols().isEmpty()) {
      throw new IllegalArgumentException(use + ": protocols cannot be chosen here (the TLS"
          + " implementation's defaults, TLSv1.3 and TLSv1.2, are used); leave them unset. Only"
          + " ssl listeners take protocols; was " + tls.protocols());
    }
    refuseCiphers(tls, use);
  }

  /**
   * Refuses cipher suites, for a use whose TLS cannot honour them.
   *
   * @throws IllegalArgumentException if they are set
   */
  public static void refuseCiphers(TlsSettings tls, String use) {
    if (!tls.ciphers().isEmpty()) {
      throw new IllegalArgumentException(use + ": ciphers cannot be chosen here (the TLS"
          + " implementation's defaults are used); leave them unset. Only ssl listeners take"
          + " ciphers; was " + tls.ciphers());
    }
  }
}
