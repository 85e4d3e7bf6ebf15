package io.exproto.transport.dtls;

import io.exproto.handler.PeerCertificate;
import io.exproto.tls.TlsSettings;
import io.exproto.tls.internal.TlsChecks;
import io.exproto.transport.Link;
import io.exproto.transport.LinkAcceptor;
import io.exproto.transport.LinkExecutor;
import io.exproto.transport.ListenerBuilder;
import io.exproto.transport.ListenerOptions;
import io.exproto.transport.TransportListener;
import io.exproto.transport.dtls.internal.DtlsCounters;
import io.exproto.transport.dtls.internal.DtlsEndpoint;
import io.exproto.transport.dtls.internal.DtlsSettings;
import io.exproto.transport.internal.Addresses;
import io.exproto.transport.internal.ListenerLifecycle;
import io.exproto.transport.internal.SocketBuffers;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedMultiPskStore;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedPskStore;

/**
 * A DTLS listener ({@code listeners.dtls.<name>}, docs/configuration.md) on Eclipse Californium Scandium: one
 * {@link Link} of socket type DTLS per DTLS session (peer), docs/behaviour.md, Connections.
 *
 * <pre>{@code
 * DtlsListener dtls = DtlsListener.builder()
 *     .bind("0.0.0.0", 7993)
 *     .psk(Map.of("device-1", secret))
 *     .tls(TlsSettings.server()
 *         .certificate(Path.of("server.pem"), Path.of("server.key"))
 *         .build())
 *     .build();
 * }</pre>
 *
 * <p><b>Sessions.</b> A link is created when a peer's handshake completes (or, failing that, with
 * its first application record). Each application record is one {@code onBytes}; each {@code
 * Link.write} is one record to the peer. {@link PeerCertificate} carries the
 * subject of the client's X.509 certificate ({@code dn} in RFC 2253/4514 form); it is null for PSK.
 * Sessions beyond {@code maxConnections} are closed right after their handshake (a {@code
 * close_notify}) and counted in {@link #refusedConnections()}.
 *
 * <p><b>Admission.</b> {@code maxConnRate} (default 1000 a second, in bursts of up to that many)
 * limits how fast new sessions may start: a ClientHello that would start a handshake beyond it is
 * dropped unanswered, before Scandium allocates anything for it, and counted in {@link
 * #rateLimitedConnections()}; the client retransmits it and gets in once the rate allows. To make
 * every new session pass this check, the listener always asks for a cookie
 * (HelloVerifyRequest), also for PSK and session resumption: one more round trip for resumption
 * than Scandium's default. Access rules are checked after the handshake; a denied peer does not
 * spend a token.
 *
 * <p><b>Close.</b> Every close reports {@code onClosed("ssl_closed")} once: a {@code close_notify}
 * or fatal alert from the peer, the connector dropping the connection (eviction), a local {@link Link#close()} (which sends {@code close_notify}), and {@link #stop()}. A
 * peer that vanishes silently is ended by the gateway's idle/keepalive timers, as for UDP.
 *
 * <p><b>Threads.</b> Scandium calls back on its own threads; each link's events are handed to one
 * of a fixed set of single-thread executors (chosen by the hash of the peer address), which is the
 * link's {@link LinkExecutor}.
 *
 * <p><b>Backpressure.</b> While a link's reads are paused its records are dropped and counted in
 * {@link #droppedWhilePaused()}.
 *
 * <p><b>Certificates.</b> The server side of {@link TlsSettings} ({@link Builder#tls}) gives the
 * certificate, the CA certificates that verify clients' certificates and whether clients are asked
 * for one ({@link TlsSettings.ClientAuth}); keys are unencrypted PEM, PKCS#8 ({@code BEGIN PRIVATE
 * KEY}: EC, RSA or EdDSA) or PKCS#1 ({@code BEGIN RSA PRIVATE KEY}), read and checked against the
 * certificate when the settings are built. Not implemented: protocol version selection (Scandium
 * speaks DTLS 1.2, the only protocol the settings may name) and cipher suite selection (the suites
 * follow the certificate and the keys). Thread-safe.
 */
public final class DtlsListener implements TransportListener {

  /** Default port of the ExProto DTLS listener. */
  public static final int DEFAULT_PORT = 7993;

  /** The close reason of every DTLS link: a DTLS peer close is {@code ssl_closed}, as for TLS. */
  public static final String SSL_CLOSED = DtlsEndpoint.SSL_CLOSED;

  private final DtlsSettings settings;
  private final DtlsCounters counters = new DtlsCounters();
  private final ListenerLifecycle lifecycle =
      new ListenerLifecycle(() -> "dtls listener '" + name() + "'");
  private volatile DtlsEndpoint endpoint;
  private volatile InetSocketAddress localAddress;

  private final boolean authenticationEnabled;

  private DtlsListener(DtlsSettings settings, boolean authenticationEnabled) {
    this.settings = settings;
    this.authenticationEnabled = authenticationEnabled;
  }

  /** A builder with the defaults listed in docs/configuration.md. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String name() {
    return settings.name();
  }

  /** Returns {@code "dtls"}. */
  @Override
  public String kind() {
    return "dtls";
  }

  @Override
  public boolean authenticationEnabled() {
    return authenticationEnabled;
  }

  /** The configured address, possibly with port 0. */
  public InetSocketAddress bindAddress() {
    return settings.bindAddress();
  }

  /** The certificate settings; null for a listener with pre-shared keys only. */
  public TlsSettings tls() {
    return settings.tls();
  }

  /** The configured session limit. */
  public int maxConnections() {
    return settings.maxConnections();
  }

  /** The configured rate of new sessions, a second. */
  public int maxConnRate() {
    return settings.maxConnRate();
  }

  /** The bound address; null before a successful start, still returned after stop. */
  @Override
  public InetSocketAddress localAddress() {
    return localAddress;
  }

  /** Sessions (links) currently open. */
  public int openConnections() {
    DtlsEndpoint e = endpoint;
    return e == null ? 0 : e.openConnections();
  }

  /** Sessions closed right after their handshake because the access rules deny the peer. */
  public long deniedConnections() {
    return counters.denied();
  }

  /** Sessions closed right after their handshake because {@code maxConnections} were open. */
  public long refusedConnections() {
    return counters.refused();
  }

  /**
   * New sessions refused because they came faster than {@code maxConnRate}, since start: each is
   * a session-starting ClientHello dropped unanswered. A refused client retransmits it, so one
   * client may be counted more than once (as {@code UdpListener} counts datagrams).
   */
  public long rateLimitedConnections() {
    return counters.rateLimited();
  }

  /** Application records dropped because their link's reads were paused. */
  public long droppedWhilePaused() {
    return counters.droppedWhilePaused();
  }

  /**
   * Binds and starts the DTLS connector; returns once bound.
   *
   * @throws BindException naming the address, if it cannot be bound
   * @throws IllegalStateException if already started or stopped
   */
  @Override
  public synchronized void start(LinkAcceptor acceptor) throws IOException {
    Objects.requireNonNull(acceptor, "acceptor");
    lifecycle.start(() -> {
      DtlsEndpoint e = new DtlsEndpoint(settings, counters, acceptor);
      localAddress = e.start();
      endpoint = e;
    });
  }

  /** Scandium's settings for this listener; package-private for tests. */
  DtlsConnectorConfig connectorConfig() {
    return new DtlsEndpoint(settings, counters, null).connectorConfig();
  }

  /**
   * Destroys the connector (the port is released), reports {@code ssl_closed} for every link still
   * open, then ends the executors. Idempotent.
   *
   * @return completes once the port is free and every close has been reported
   */
  @Override
  public synchronized CompletionStage<Void> stop() {
    return lifecycle.stop(() -> endpoint.stop());
  }

  @Override
  public String toString() {
    InetSocketAddress bound = localAddress;
    return "dtls listener '" + name() + "' on "
        + Addresses.format(bound != null ? bound : settings.bindAddress());
  }

  /** Configures a {@link DtlsListener}. Setters only record; {@link #build()} validates. */
  public static final class Builder extends ListenerBuilder<Builder> {
    private LongSupplier nanoClock = System::nanoTime;
    private TlsSettings tls;
    private Map<String, byte[]> psk;
    private AdvancedPskStore pskStore;
    private Duration retransmissionTimeout = Duration.ofSeconds(2);
    private int maxRetransmissions = 4;
    private int executorThreads = Math.max(2, Runtime.getRuntime().availableProcessors());
    private int sendBuffer;
    private int recvBuffer;

    private Builder() {
      super(DEFAULT_PORT, "session");
    }

    /** The clock of the {@code maxConnRate} bucket; tests only. */
    Builder nanoClock(LongSupplier nanoClock) {
      this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
      return this;
    }

    /**
     * The server's certificate, for certificate cipher suites, with the CA certificates that
     * verify clients' certificates and whether clients are asked for one ({@code dtls_options}):
     * the server side of {@link TlsSettings}. {@link TlsSettings.ClientAuth#OPTIONAL} and {@link
     * TlsSettings.ClientAuth#REQUIRE} need trusted certificates (a dtls listener has no default
     * trust store); protocols may only be {@code DTLSv1.2}, and ciphers cannot be chosen. Default
     * none: pre-shared keys only.
     *
     * @throws IllegalArgumentException if they are client settings
     */
    public Builder tls(TlsSettings tls) {
      this.tls = TlsChecks.requireSide(tls, TlsSettings.Side.SERVER, "DtlsListener tls");
      return this;
    }

    /**
     * Pre-shared keys by identity, for PSK cipher suites; the secrets are copied. {@link PskFile}
     * reads them from a file in EMQX's {@code identity:secret} format. With {@link #tls} too, the
     * listener accepts both kinds of client.
     */
    public Builder psk(Map<String, byte[]> secretsByIdentity) {
      Map<String, byte[]> copy = new LinkedHashMap<>();
      secretsByIdentity.forEach((k, v) -> copy.put(k, v == null ? null : v.clone()));
      this.psk = copy;
      this.pskStore = null;
      return this;
    }

    /** A Scandium PSK store (e.g. one looking keys up elsewhere), instead of {@link #psk}. */
    public Builder pskStore(AdvancedPskStore store) {
      this.pskStore = Objects.requireNonNull(store, "store");
      this.psk = null;
      return this;
    }

    /**
     * The handshake's first retransmission timeout (doubled on each retry); with {@link
     * #maxRetransmissions} it bounds how long a stalled handshake lives. Default 2 s; at least
     * 1 ms, in whole milliseconds.
     */
    public Builder retransmissionTimeout(Duration timeout) {
      this.retransmissionTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /** Handshake flight retransmissions before the handshake is abandoned. Default 4. */
    public Builder maxRetransmissions(int maxRetransmissions) {
      this.maxRetransmissions = maxRetransmissions;
      return this;
    }

    /** Threads delivering link events (each link sticks to one). Default: the CPU count, min 2. */
    public Builder executorThreads(int threads) {
      this.executorThreads = threads;
      return this;
    }

    /** {@code SO_SNDBUF} of the datagram socket in bytes; 0 keeps the OS default. Default 0. */
    public Builder sendBuffer(int bytes) {
      this.sendBuffer = bytes;
      return this;
    }

    /**
     * {@code SO_RCVBUF} of the datagram socket in bytes; 0 keeps the OS default. Default 0. All
     * sessions share it: raise it for many busy peers.
     */
    public Builder recvBuffer(int bytes) {
      this.recvBuffer = bytes;
      return this;
    }

    /**
     * Validates the settings.
     *
     * @throws IllegalArgumentException naming the setting that is wrong
     */
    public DtlsListener build() {
      ListenerOptions options = options();
      if (executorThreads < 1) {
        throw new IllegalArgumentException("executorThreads must be at least 1, was "
            + executorThreads);
      }
      if (retransmissionTimeout.toMillis() < 1) {
        // Scandium counts in whole milliseconds.
        throw new IllegalArgumentException("retransmissionTimeout must be at least 1 ms, was "
            + retransmissionTimeout);
      }
      if (maxRetransmissions < 1) {
        throw new IllegalArgumentException("maxRetransmissions must be at least 1, was "
            + maxRetransmissions);
      }
      SocketBuffers.check(sendBuffer, recvBuffer);
      if (tls == null && psk == null && pskStore == null) {
        throw new IllegalArgumentException("a dtls listener needs credentials: set tls (a"
            + " certificate chain and key) and/or psk");
      }
      if (tls != null) {
        if (tls.clientAuth() != TlsSettings.ClientAuth.NONE && tls.trustCertificates().isEmpty()) {
          throw new IllegalArgumentException("DtlsListener tls: clientAuth " + tls.clientAuth()
              + " needs trustCertificates (the CA PEM): a dtls listener has no default trust"
              + " store");
        }
        for (String protocol : tls.protocols()) {
          if (!protocol.equalsIgnoreCase("DTLSv1.2")) {
            throw new IllegalArgumentException("DtlsListener tls protocols: '" + protocol
                + "' is not supported; a dtls listener speaks DTLSv1.2 only");
          }
        }
        TlsChecks.refuseCiphers(tls, "DtlsListener tls");
      }
      AdvancedPskStore store = pskStore;
      if (psk != null) {
        if (psk.isEmpty()) {
          throw new IllegalArgumentException("psk must hold at least one identity");
        }
        AdvancedMultiPskStore multi = new AdvancedMultiPskStore();
        psk.forEach((identity, secret) -> {
          if (identity == null || identity.isEmpty()) {
            throw new IllegalArgumentException("psk identity must not be null or empty");
          }
          if (secret == null || secret.length == 0) {
            throw new IllegalArgumentException("psk secret of identity '" + identity
                + "' must not be null or empty");
          }
          multi.setKey(identity, secret);
        });
        store = multi;
      }
      return new DtlsListener(new DtlsSettings(options.name(), options.bindAddress(),
          options.maxConnections(), options.maxConnRate(), nanoClock, options.accessRules(), tls,
          store, retransmissionTimeout, maxRetransmissions, executorThreads, sendBuffer,
          recvBuffer), authenticationEnabled());
    }
  }
}
