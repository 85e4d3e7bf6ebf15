package io.exproto.transport.dtls;

import io.exproto.handler.PeerCertificate;
import io.exproto.transport.AccessRules;
import io.exproto.transport.LinkAcceptor;
import io.exproto.transport.LinkListener;
import io.exproto.transport.TransportListener;
import io.exproto.transport.internal.AcceptRateLimiter;
import java.io.IOException;
import java.io.InputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.security.auth.x500.X500Principal;
import org.eclipse.californium.elements.AddressEndpointContext;
import org.eclipse.californium.elements.RawData;
import org.eclipse.californium.elements.auth.X509CertPath;
import org.eclipse.californium.elements.config.CertificateAuthenticationMode;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.scandium.ConnectionListener;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.AlertMessage;
import org.eclipse.californium.scandium.dtls.CertificateType;
import org.eclipse.californium.scandium.dtls.Connection;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedMultiPskStore;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedPskStore;
import org.eclipse.californium.scandium.dtls.x509.SingleCertificateProvider;
import org.eclipse.californium.scandium.dtls.x509.StaticNewAdvancedCertificateVerifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A DTLS listener (SPEC B8 {@code listeners.dtls.<name>}) on Eclipse Californium Scandium: one
 * {@link io.exproto.transport.Link} of socket type DTLS per DTLS session (peer), SPEC B1.
 *
 * <pre>{@code
 * DtlsListener dtls = DtlsListener.builder()
 *     .bind("0.0.0.0", 7993)
 *     .psk(Map.of("device-1", secret))
 *     .certificate(Path.of("server.pem"), Path.of("server.key"))
 *     .build();
 * }</pre>
 *
 * <p><b>Sessions.</b> A link is created when a peer's handshake completes (or, failing that, with
 * its first application record). Each application record is one {@code onBytes}; each {@code
 * Link.write} is one record to the peer. {@link io.exproto.handler.PeerCertificate} carries the
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
 * or fatal alert from the peer, the connector dropping the connection (eviction), a local {@link
 * io.exproto.transport.Link#close()} (which sends {@code close_notify}), and {@link #stop()}. A
 * peer that vanishes silently is ended by the gateway's idle/keepalive timers, as for UDP.
 *
 * <p><b>Threads.</b> Scandium calls back on its own threads; each link's events are handed to one
 * of a fixed set of single-thread executors (chosen by the hash of the peer address), which is the
 * link's {@link io.exproto.transport.LinkExecutor}.
 *
 * <p><b>Backpressure.</b> While a link's reads are paused its records are dropped and counted in
 * {@link #droppedWhilePaused()}.
 *
 * <p>Keys must be PKCS#8 PEM ({@code BEGIN PRIVATE KEY}), EC or RSA or EdDSA. Thread-safe. Not
 * implemented: protocol version selection (Scandium speaks DTLS 1.2).
 */
public final class DtlsListener implements TransportListener {

  /** Default port of the ExProto DTLS listener. */
  public static final int DEFAULT_PORT = 7993;

  /** The close reason of every DTLS link (SPEC B7: a DTLS peer close is {@code ssl_closed}). */
  public static final String SSL_CLOSED = "ssl_closed";

  private static final Logger log = LoggerFactory.getLogger(DtlsListener.class);

  static {
    DtlsConfig.register();
  }

  private enum State { NEW, STARTED, STOPPED }

  private final String name;
  private final InetSocketAddress bindAddress;
  private final int maxConnections;
  private final int maxConnRate;
  private final LongSupplier nanoClock;
  private final AccessRules accessRules;
  private final PrivateKey privateKey;
  private final X509Certificate[] certificateChain;
  private final X509Certificate[] trusted;
  private final AdvancedPskStore pskStore;
  private final boolean verifyPeer;
  private final boolean failIfNoPeerCert;
  private final Duration retransmissionTimeout;
  private final int maxRetransmissions;
  private final int executorThreads;
  private final int sendBuffer;
  private final int recvBuffer;

  private final Object lock = new Object();
  private final Map<InetSocketAddress, DtlsLink> links = new HashMap<>(); // guarded by lock
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong denied = new AtomicLong();
  private final AtomicLong rateLimited = new AtomicLong();
  private final AtomicLong droppedWhilePaused = new AtomicLong();
  private State state = State.NEW; // guarded by this
  private CompletableFuture<Void> stopped; // guarded by this
  private volatile DTLSConnector connector;
  private volatile SerialExecutor[] executors;
  private volatile LinkAcceptor acceptor;
  private volatile InetSocketAddress localAddress;

  private DtlsListener(Builder b, InetSocketAddress bindAddress, PrivateKey key,
      X509Certificate[] chain, X509Certificate[] trusted, AdvancedPskStore psk) {
    this.name = b.name;
    this.bindAddress = bindAddress;
    this.maxConnections = b.maxConnections;
    this.maxConnRate = b.maxConnRate;
    this.nanoClock = b.nanoClock;
    this.accessRules = b.accessRules;
    this.privateKey = key;
    this.certificateChain = chain;
    this.trusted = trusted;
    this.pskStore = psk;
    this.verifyPeer = b.verifyPeer;
    this.failIfNoPeerCert = b.failIfNoPeerCert;
    this.retransmissionTimeout = b.retransmissionTimeout;
    this.maxRetransmissions = b.maxRetransmissions;
    this.executorThreads = b.executorThreads;
    this.sendBuffer = b.sendBuffer;
    this.recvBuffer = b.recvBuffer;
  }

  /** A builder with the defaults of SPEC B8. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String name() {
    return name;
  }

  /** Returns {@code "dtls"}. */
  @Override
  public String kind() {
    return "dtls";
  }

  /** The configured address, possibly with port 0. */
  public InetSocketAddress bindAddress() {
    return bindAddress;
  }

  /** The configured session limit. */
  public int maxConnections() {
    return maxConnections;
  }

  /** The configured rate of new sessions, a second. */
  public int maxConnRate() {
    return maxConnRate;
  }

  /** The bound address; null before a successful start, still returned after stop. */
  @Override
  public InetSocketAddress localAddress() {
    return localAddress;
  }

  /** Sessions (links) currently open. */
  public int openConnections() {
    synchronized (lock) {
      return links.size();
    }
  }

  /** Sessions closed right after their handshake because the access rules deny the peer. */
  public long deniedConnections() {
    return denied.get();
  }

  /** Sessions closed right after their handshake because {@code maxConnections} were open. */
  public long refusedConnections() {
    return refused.get();
  }

  /**
   * New sessions refused because they came faster than {@code maxConnRate}, since start: each is
   * a session-starting ClientHello dropped unanswered. A refused client retransmits it, so one
   * client may be counted more than once (as {@code UdpListener} counts datagrams).
   */
  public long rateLimitedConnections() {
    return rateLimited.get();
  }

  /** Application records dropped because their link's reads were paused. */
  public long droppedWhilePaused() {
    return droppedWhilePaused.get();
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
    if (state != State.NEW) {
      throw new IllegalStateException("dtls listener '" + name + "' was already "
          + (state == State.STARTED ? "started" : "stopped") + "; a listener starts once");
    }
    this.acceptor = acceptor;
    SerialExecutor[] pool = new SerialExecutor[executorThreads];
    for (int i = 0; i < pool.length; i++) {
      pool[i] = new SerialExecutor("exproto-dtls-" + name + "-" + i);
    }
    DTLSConnector c = new DTLSConnector(connectorConfig());
    c.setRawDataReceiver(this::onData);
    c.setAlertHandler(this::onAlert);
    executors = pool;
    connector = c;
    try {
      c.start();
    } catch (IOException e) {
      connector = null;
      c.destroy();
      for (SerialExecutor ex : pool) {
        ex.service().shutdown();
      }
      BindException be = new BindException("dtls listener '" + name + "' cannot bind "
          + format(bindAddress) + ": " + e.getMessage());
      be.initCause(e);
      throw be;
    }
    localAddress = c.getAddress();
    state = State.STARTED;
  }

  /** Scandium's settings for this listener; package-private for tests. */
  DtlsConnectorConfig connectorConfig() {
    Configuration config = new Configuration();
    CertificateAuthenticationMode mode = !verifyPeer ? CertificateAuthenticationMode.NONE
        : failIfNoPeerCert ? CertificateAuthenticationMode.NEEDED
        : CertificateAuthenticationMode.WANTED;
    // Room above maxConnections so that refused sessions can complete (and be counted).
    int storeSize = (int) Math.min(Integer.MAX_VALUE,
        (long) maxConnections + Math.min(maxConnections, 1024));
    DtlsConnectorConfig.Builder b = DtlsConnectorConfig.builder(config)
        .setAddress(bindAddress)
        .setLoggingTag(name)
        .set(DtlsConfig.DTLS_ROLE, DtlsConfig.DtlsRole.SERVER_ONLY)
        .set(DtlsConfig.DTLS_CLIENT_AUTHENTICATION_MODE, mode)
        .set(DtlsConfig.DTLS_MAX_CONNECTIONS, storeSize)
        .set(DtlsConfig.DTLS_RETRANSMISSION_TIMEOUT, retransmissionTimeout.toMillis(),
            TimeUnit.MILLISECONDS)
        .set(DtlsConfig.DTLS_MAX_RETRANSMISSIONS, maxRetransmissions)
        // A cookie round trip before every new handshake, so that NewSessionFilter sees each one.
        .set(DtlsConfig.DTLS_USE_HELLO_VERIFY_REQUEST, true)
        .set(DtlsConfig.DTLS_USE_HELLO_VERIFY_REQUEST_FOR_PSK, true)
        .set(DtlsConfig.DTLS_VERIFY_PEERS_ON_RESUMPTION_THRESHOLD, 0)
        .setDatagramFilter(new NewSessionFilter(config, name, accessRules,
            new AcceptRateLimiter(maxConnRate, nanoClock), rateLimited))
        .setConnectionListener(new Listener());
    if (sendBuffer > 0) {
      b.set(DtlsConfig.DTLS_SEND_BUFFER_SIZE, sendBuffer);
    }
    if (recvBuffer > 0) {
      b.set(DtlsConfig.DTLS_RECEIVE_BUFFER_SIZE, recvBuffer);
    }
    if (pskStore != null) {
      b.setAdvancedPskStore(pskStore);
    }
    if (privateKey != null) {
      b.setCertificateIdentityProvider(
          new SingleCertificateProvider(privateKey, certificateChain, CertificateType.X_509));
    }
    if (verifyPeer) {
      b.setAdvancedCertificateVerifier(StaticNewAdvancedCertificateVerifier.builder()
          .setTrustedCertificates(trusted).build());
    }
    return b.build();
  }

  // ---- connector callbacks (Scandium's threads)

  private final class Listener implements ConnectionListener {
    @Override
    public void onConnectionEstablished(Connection connection) {
      InetSocketAddress peer = connection.getPeerAddress();
      if (peer != null) {
        linkFor(peer, connection, connection.getEstablishedPeerIdentity());
      }
    }

    @Override
    public void onConnectionRemoved(Connection connection) {
      DtlsLink link;
      synchronized (lock) {
        link = find(connection);
      }
      if (link != null) {
        closeLink(link, SSL_CLOSED, false);
      }
    }

    @Override
    public boolean onConnectionUpdatesSequenceNumbers(Connection connection, boolean close) {
      return false;
    }

    @Override
    public boolean onConnectionMacError(Connection connection) {
      return false;
    }

    @Override
    public void beforeExecution(Connection connection) {}

    @Override
    public void updateExecution(Connection connection) {}

    @Override
    public void afterExecution(Connection connection) {}
  }

  private DtlsLink find(Connection connection) {
    InetSocketAddress peer = connection.getPeerAddress();
    if (peer != null) {
      DtlsLink link = links.get(peer);
      return link != null && link.connection == connection ? link : null;
    }
    for (DtlsLink link : links.values()) {
      if (link.connection == connection) {
        return link;
      }
    }
    return null;
  }

  /** The open link of {@code peer}, created (and accepted) if new; null if refused. */
  private DtlsLink linkFor(InetSocketAddress peer, Object connection, java.security.Principal id) {
    DtlsLink link;
    DtlsLink replaced = null;
    synchronized (lock) {
      if (connector == null) {
        return null; // not started yet, or stopped
      }
      link = links.get(peer);
      if (link != null && (connection == null || link.connection == connection
          || link.connection == null)) {
        return link;
      }
      if (link != null) {
        replaced = link; // a new session from the same address replaces the old one
        links.remove(peer);
        replaced.closed = true;
      }
      if (!accessRules.allows(peer.getAddress())) {
        denied.incrementAndGet();
        link = null;
      } else if (links.size() >= maxConnections) {
        refused.incrementAndGet();
        link = null;
      } else {
        link = new DtlsLink(this, executorFor(peer), peer, certificateOf(id), connection);
        links.put(peer, link);
      }
    }
    if (replaced != null) {
      report(replaced, SSL_CLOSED);
    }
    if (link == null) {
      DTLSConnector c = connector;
      if (c != null) {
        c.close(peer);
      }
      return null;
    }
    DtlsLink created = link;
    created.executor.execute(() -> accept(created));
    return created;
  }

  private void accept(DtlsLink link) {
    LinkListener accepted;
    try {
      accepted = acceptor.accept(link);
    } catch (RuntimeException e) {
      log.warn("listener '{}': accepting a link from {} failed; dropping it", name, link.remote, e);
      accepted = null;
    }
    if (accepted == null) {
      closeLink(link, SSL_CLOSED, true); // nobody to report to
      return;
    }
    link.listener = accepted;
  }

  private void onData(RawData data) {
    InetSocketAddress peer = data.getInetSocketAddress();
    DtlsLink link;
    synchronized (lock) {
      link = links.get(peer);
    }
    if (link == null) {
      link = linkFor(peer, null, data.getEndpointContext().getPeerIdentity());
      if (link == null) {
        return;
      }
    }
    byte[] bytes = data.getBytes();
    DtlsLink target = link;
    try {
      target.executor.execute(() -> deliver(target, bytes));
    } catch (RejectedExecutionException stopping) {
      // the listener stopped
    }
  }

  private void deliver(DtlsLink link, byte[] bytes) {
    if (link.closed || link.listener == null) {
      return;
    }
    if (link.readPaused) {
      droppedWhilePaused.incrementAndGet();
      return;
    }
    try {
      link.listener.onBytes(bytes);
    } catch (RuntimeException e) {
      log.warn("listener '{}': link {} failed; closing it", name, link.remote, e);
      closeLink(link, SSL_CLOSED, true);
    }
  }

  private void onAlert(InetSocketAddress peer, AlertMessage alert) {
    if (alert.isFatal()
        || alert.getDescription() == AlertMessage.AlertDescription.CLOSE_NOTIFY) {
      DtlsLink link;
      synchronized (lock) {
        link = links.get(peer);
      }
      if (link != null) {
        closeLink(link, SSL_CLOSED, false);
      }
    }
  }

  // ---- links

  private SerialExecutor executorFor(InetSocketAddress peer) {
    SerialExecutor[] pool = executors;
    return pool[Math.floorMod(peer.hashCode(), pool.length)];
  }

  void send(DtlsLink link, byte[] bytes) {
    DTLSConnector c = connector;
    if (c != null) {
      c.send(RawData.outbound(bytes, new AddressEndpointContext(link.remote), null, false));
    }
  }

  void closeLink(DtlsLink link, String reason, boolean endSession) {
    synchronized (lock) {
      if (link.closed) {
        return;
      }
      link.closed = true;
      links.remove(link.remote, link);
    }
    DTLSConnector c = connector;
    if (endSession && c != null) {
      try {
        c.close(link.remote);
      } catch (RuntimeException e) {
        log.debug("listener '{}': closing the session of {} failed: {}", name, link.remote,
            e.toString());
      }
    }
    report(link, reason);
  }

  /** Reports the close on a later task of the link's executor (never from inside close()). */
  private void report(DtlsLink link, String reason) {
    Runnable task = () -> {
      LinkListener l = link.listener;
      if (l != null) {
        try {
          l.onClosed(reason);
        } catch (RuntimeException e) {
          log.warn("listener '{}': reporting the close of {} failed", name, link.remote, e);
        }
      }
    };
    try {
      link.executor.execute(task);
    } catch (RejectedExecutionException stopped) {
      // The executors are gone: stop() already reported every link.
    }
  }

  /**
   * Destroys the connector (the port is released), reports {@code ssl_closed} for every link still
   * open, then ends the executors. Idempotent.
   *
   * @return completes once the port is free and every close has been reported
   */
  @Override
  public synchronized CompletionStage<Void> stop() {
    if (stopped != null) {
      return stopped;
    }
    stopped = new CompletableFuture<>();
    if (state != State.STARTED) {
      state = State.STOPPED;
      stopped.complete(null);
      return stopped;
    }
    state = State.STOPPED;
    List<DtlsLink> open;
    synchronized (lock) {
      open = new ArrayList<>(links.values());
      for (DtlsLink link : open) {
        link.closed = true;
      }
      links.clear();
    }
    DTLSConnector c = connector;
    connector = null;
    try {
      c.destroy();
    } catch (RuntimeException e) {
      log.warn("listener '{}': destroying the DTLS connector failed", name, e);
    }
    for (DtlsLink link : open) {
      report(link, SSL_CLOSED);
    }
    SerialExecutor[] pool = executors;
    for (SerialExecutor ex : pool) {
      ex.service().shutdown();
    }
    CompletableFuture<Void> done = stopped;
    Thread waiter = new Thread(() -> {
      try {
        for (SerialExecutor ex : pool) {
          ex.service().awaitTermination(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      done.complete(null);
    }, "exproto-dtls-" + name + "-stop");
    waiter.setDaemon(true);
    waiter.start();
    return done;
  }

  static PeerCertificate certificateOf(java.security.Principal identity) {
    if (identity instanceof X509CertPath path) {
      X509Certificate cert = path.getTarget();
      if (cert != null) {
        X500Principal subject = cert.getSubjectX500Principal();
        return new PeerCertificate(commonName(subject), subject.getName(X500Principal.RFC2253));
      }
    }
    return null;
  }

  private static String commonName(X500Principal subject) {
    try {
      javax.naming.ldap.LdapName ldap =
          new javax.naming.ldap.LdapName(subject.getName(X500Principal.RFC2253));
      // LdapName lists the RDNs rightmost first: search from the leftmost (most specific) CN
      for (int i = ldap.getRdns().size() - 1; i >= 0; i--) {
        javax.naming.ldap.Rdn rdn = ldap.getRdns().get(i);
        if (rdn.getType().equalsIgnoreCase("CN")) {
          return String.valueOf(rdn.getValue());
        }
      }
    } catch (javax.naming.InvalidNameException e) {
      // fall through
    }
    return "";
  }

  private static String format(InetSocketAddress address) {
    InetAddress ip = address.getAddress();
    String host = ip != null ? ip.getHostAddress() : address.getHostString();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
  }

  @Override
  public String toString() {
    InetSocketAddress bound = localAddress;
    return "dtls listener '" + name + "' on " + format(bound != null ? bound : bindAddress);
  }

  /** Configures a {@link DtlsListener}. Setters only record; {@link #build()} validates. */
  public static final class Builder {
    private String name = "default";
    private String host = "0.0.0.0";
    private int port = DEFAULT_PORT;
    private InetSocketAddress address;
    private int maxConnections = 1_024_000;
    private int maxConnRate = 1000;
    private LongSupplier nanoClock = System::nanoTime;
    private AccessRules accessRules = AccessRules.allowAll();
    private Path certificateChain;
    private Path privateKey;
    private Path trustCertificates;
    private Map<String, byte[]> psk;
    private AdvancedPskStore pskStore;
    private boolean verifyPeer;
    private boolean failIfNoPeerCert;
    private Duration retransmissionTimeout = Duration.ofSeconds(2);
    private int maxRetransmissions = 4;
    private int executorThreads = Math.max(2, Runtime.getRuntime().availableProcessors());
    private int sendBuffer;
    private int recvBuffer;

    private Builder() {}

    /** The listener's name, unique within a gateway. Default {@code default}. */
    public Builder name(String name) {
      this.name = name;
      return this;
    }

    /** The address to listen on; port 0 picks a free port. Default {@code 0.0.0.0:7993}. */
    public Builder bind(InetSocketAddress address) {
      this.address = Objects.requireNonNull(address, "address");
      return this;
    }

    /** The host and port to listen on; port 0 picks a free port. Default {@code 0.0.0.0:7993}. */
    public Builder bind(String host, int port) {
      this.host = Objects.requireNonNull(host, "host");
      this.port = port;
      this.address = null;
      return this;
    }

    /**
     * Which peer addresses may hold a session ({@code access_rules}); a denied peer's session is
     * closed right after its handshake and counted in {@link DtlsListener#deniedConnections()}.
     * Default: allow all.
     */
    public Builder accessRules(AccessRules accessRules) {
      this.accessRules = java.util.Objects.requireNonNull(accessRules, "accessRules");
      return this;
    }

    /**
     * Most sessions open at once; more are closed after their handshake and counted. Default
     * 1,024,000 (SPEC B8).
     */
    public Builder maxConnections(int maxConnections) {
      this.maxConnections = maxConnections;
      return this;
    }

    /**
     * Most new sessions a second (SPEC B8 {@code max_conn_rate}), at least 1: a token bucket that
     * holds a second's worth, so a burst of that many is let in at once. The ClientHello of a
     * session beyond it is dropped unanswered, before a handshake or a link is started, and
     * counted in {@link DtlsListener#rateLimitedConnections()}; the client's retransmission may
     * get in later. (EMQX paused accepting instead; dropping costs nothing per refused peer and is
     * observable.) Default 1000.
     */
    public Builder maxConnRate(int perSecond) {
      this.maxConnRate = perSecond;
      return this;
    }

    /** The clock of the {@code maxConnRate} bucket; tests only. */
    Builder nanoClock(LongSupplier nanoClock) {
      this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
      return this;
    }

    /**
     * The server's certificate chain (PEM, leaf first) and its PKCS#8 PEM private key, for
     * certificate cipher suites.
     */
    public Builder certificate(Path certificateChainPem, Path privateKeyPem) {
      this.certificateChain = Objects.requireNonNull(certificateChainPem, "certificateChainPem");
      this.privateKey = Objects.requireNonNull(privateKeyPem, "privateKeyPem");
      return this;
    }

    /**
     * Pre-shared keys by identity, for PSK cipher suites; the secrets are copied. {@link PskFile}
     * reads them from a file in EMQX's {@code identity:secret} format. With {@link #certificate}
     * too, the listener accepts both kinds of client.
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

    /** CA certificates (PEM) that client certificates must chain to; needed by verifyPeer. */
    public Builder trustCertificates(Path caPem) {
      this.trustCertificates = Objects.requireNonNull(caPem, "caPem");
      return this;
    }

    /** Asks clients for a certificate and verifies it against trustCertificates. Default false. */
    public Builder verifyPeer(boolean verifyPeer) {
      this.verifyPeer = verifyPeer;
      return this;
    }

    /**
     * With verifyPeer, refuses certificate handshakes without a client certificate. Default false.
     */
    public Builder failIfNoPeerCert(boolean failIfNoPeerCert) {
      this.failIfNoPeerCert = failIfNoPeerCert;
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
     * Validates the settings and reads the PEM files.
     *
     * @throws IllegalArgumentException naming the setting that is wrong
     */
    public DtlsListener build() {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("name must not be null or blank, was '" + name + "'");
      }
      InetSocketAddress bindTo = address != null ? address : resolve(host, port);
      if (bindTo.isUnresolved()) {
        throw new IllegalArgumentException("bind host '" + bindTo.getHostString()
            + "' cannot be resolved; give an IP address or a resolvable name");
      }
      if (maxConnections < 1) {
        throw new IllegalArgumentException("maxConnections must be at least 1, was "
            + maxConnections);
      }
      if (maxConnRate < 1) {
        throw new IllegalArgumentException("maxConnRate must be at least 1 session a second,"
            + " was " + maxConnRate + "; for no practical limit give a large rate such as "
            + Integer.MAX_VALUE);
      }
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
      if (sendBuffer < 0) {
        throw new IllegalArgumentException("sendBuffer must be 0 (OS default) or a size in bytes,"
            + " was " + sendBuffer);
      }
      if (recvBuffer < 0) {
        throw new IllegalArgumentException("recvBuffer must be 0 (OS default) or a size in bytes,"
            + " was " + recvBuffer);
      }
      if (certificateChain == null && psk == null && pskStore == null) {
        throw new IllegalArgumentException("a dtls listener needs credentials: set certificate"
            + " (certificate chain and key) and/or psk");
      }
      if (failIfNoPeerCert && !verifyPeer) {
        throw new IllegalArgumentException("failIfNoPeerCert needs verifyPeer(true)");
      }
      if (verifyPeer && trustCertificates == null) {
        throw new IllegalArgumentException("verifyPeer needs trustCertificates (the CA PEM)");
      }
      if (verifyPeer && certificateChain == null) {
        throw new IllegalArgumentException("verifyPeer needs certificate: client certificates"
            + " are only asked for in certificate handshakes");
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
      PrivateKey key = null;
      X509Certificate[] chain = null;
      if (certificateChain != null) {
        chain = readCertificates("certificate", certificateChain);
        key = readPrivateKey(privateKey);
      }
      X509Certificate[] trust = trustCertificates == null ? null
          : readCertificates("trustCertificates", trustCertificates);
      return new DtlsListener(this, bindTo, key, chain, trust, store);
    }

    private static X509Certificate[] readCertificates(String setting, Path file) {
      try (InputStream in = Files.newInputStream(file)) {
        List<X509Certificate> certs = new ArrayList<>();
        for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
          certs.add((X509Certificate) c);
        }
        if (certs.isEmpty()) {
          throw new IllegalArgumentException(setting + " file " + file
              + " holds no PEM certificate");
        }
        return certs.toArray(new X509Certificate[0]);
      } catch (IOException | GeneralSecurityException e) {
        throw new IllegalArgumentException(setting + " file " + file + " cannot be read: "
            + e.getMessage(), e);
      }
    }

    private static final Pattern PKCS8 = Pattern.compile(
        "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

    private static PrivateKey readPrivateKey(Path file) {
      String pem;
      try {
        pem = Files.readString(file, StandardCharsets.US_ASCII);
      } catch (IOException e) {
        throw new IllegalArgumentException("certificate key file " + file + " cannot be read: "
            + e.getMessage(), e);
      }
      Matcher m = PKCS8.matcher(pem);
      if (!m.find()) {
        throw new IllegalArgumentException("certificate key file " + file
            + " holds no PKCS#8 PEM key (BEGIN PRIVATE KEY)");
      }
      byte[] der = Base64.getMimeDecoder().decode(m.group(1));
      for (String algorithm : new String[] {"EC", "RSA", "Ed25519", "Ed448"}) {
        try {
          return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException | RuntimeException notThis) {
          // try the next algorithm
        }
      }
      throw new IllegalArgumentException("certificate key file " + file
          + " holds a key that is not EC, RSA or EdDSA");
    }

    private static InetSocketAddress resolve(String host, int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("bind port must be between 0 and 65535, was " + port);
      }
      if (host.isBlank()) {
        throw new IllegalArgumentException("bind host must not be blank; use 0.0.0.0 for all"
            + " interfaces");
      }
      return new InetSocketAddress(host, port);
    }
  }
}
