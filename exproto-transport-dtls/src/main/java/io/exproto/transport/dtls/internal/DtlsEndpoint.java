package io.exproto.transport.dtls.internal;

import io.exproto.handler.PeerCertificate;
import io.exproto.transport.LinkAcceptor;
import io.exproto.transport.LinkListener;
import io.exproto.transport.internal.AcceptRateLimiter;
import io.exproto.transport.internal.Addresses;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.security.Principal;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
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
import org.eclipse.californium.scandium.dtls.Connection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running part of a DTLS listener: the Scandium connector, the executors that deliver link
 * events, and the registry of links (one per peer address). Made for one start and one stop. Not
 * API.
 *
 * <p><b>Threads.</b> Scandium calls back on its own threads ({@link #onData}, {@link #onAlert},
 * the connection listener); each link's events are handed to one of a fixed set of single-thread
 * executors, chosen by the hash of the peer address, which is the link's executor. The registry
 * is guarded by one lock, held only for map updates; nothing is called out while it is held.
 */
public final class DtlsEndpoint {

  /** The close reason of every DTLS link: a DTLS close is reported as {@code ssl_closed}. */
  public static final String SSL_CLOSED = "ssl_closed";

  private static final Logger log = LoggerFactory.getLogger(DtlsEndpoint.class);

  static {
    DtlsConfig.register();
  }

  private final DtlsSettings settings;
  private final DtlsCounters counters;
  private final LinkAcceptor acceptor;
  private final Object lock = new Object();
  private final Map<InetSocketAddress, DtlsLink> links = new HashMap<>(); // guarded by lock
  private volatile DTLSConnector connector;
  private volatile SerialExecutor[] executors;
  private volatile InetSocketAddress localAddress;

  /**
   * An endpoint for {@code settings}, not started.
   *
   * @param acceptor who is given each new link; may be null for an endpoint that is never started
   */
  public DtlsEndpoint(DtlsSettings settings, DtlsCounters counters, LinkAcceptor acceptor) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.counters = Objects.requireNonNull(counters, "counters");
    this.acceptor = acceptor;
  }

  /**
   * Binds the port and starts the connector; returns once bound.
   *
   * @return the bound address
   * @throws BindException naming the listener and the address, if it cannot be bound
   */
  public InetSocketAddress start() throws IOException {
    SerialExecutor[] pool = new SerialExecutor[settings.executorThreads()];
    for (int i = 0; i < pool.length; i++) {
      pool[i] = new SerialExecutor("exproto-dtls-" + settings.name() + "-" + i);
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
      BindException be = new BindException("dtls listener '" + settings.name()
          + "' cannot bind " + Addresses.format(settings.bindAddress()) + ": " + e.getMessage());
      be.initCause(e);
      throw be;
    }
    localAddress = c.getAddress();
    return localAddress;
  }

  /** Scandium's settings for this listener. */
  public DtlsConnectorConfig connectorConfig() {
    DtlsSettings s = settings;
    Configuration config = new Configuration();
    CertificateAuthenticationMode mode = ScandiumTls.clientAuthentication(s.tls());
    // Room above maxConnections so that refused sessions can complete (and be counted).
    int storeSize = (int) Math.min(Integer.MAX_VALUE,
        (long) s.maxConnections() + Math.min(s.maxConnections(), 1024));
    DtlsConnectorConfig.Builder b = DtlsConnectorConfig.builder(config)
        .setAddress(s.bindAddress())
        .setLoggingTag(s.name())
        .set(DtlsConfig.DTLS_ROLE, DtlsConfig.DtlsRole.SERVER_ONLY)
        .set(DtlsConfig.DTLS_CLIENT_AUTHENTICATION_MODE, mode)
        .set(DtlsConfig.DTLS_MAX_CONNECTIONS, storeSize)
        .set(DtlsConfig.DTLS_RETRANSMISSION_TIMEOUT, s.retransmissionTimeout().toMillis(),
            TimeUnit.MILLISECONDS)
        .set(DtlsConfig.DTLS_MAX_RETRANSMISSIONS, s.maxRetransmissions())
        // A cookie round trip before every new handshake, so that NewSessionFilter sees each one.
        .set(DtlsConfig.DTLS_USE_HELLO_VERIFY_REQUEST, true)
        .set(DtlsConfig.DTLS_USE_HELLO_VERIFY_REQUEST_FOR_PSK, true)
        .set(DtlsConfig.DTLS_VERIFY_PEERS_ON_RESUMPTION_THRESHOLD, 0)
        .setDatagramFilter(new NewSessionFilter(config, s.name(), s.accessRules(),
            new AcceptRateLimiter(s.maxConnRate(), s.nanoClock()), counters.rateLimited))
        .setConnectionListener(new Sessions());
    if (s.sendBuffer() > 0) {
      b.set(DtlsConfig.DTLS_SEND_BUFFER_SIZE, s.sendBuffer());
    }
    if (s.recvBuffer() > 0) {
      b.set(DtlsConfig.DTLS_RECEIVE_BUFFER_SIZE, s.recvBuffer());
    }
    if (s.pskStore() != null) {
      b.setAdvancedPskStore(s.pskStore());
    }
    ScandiumTls.apply(b, s.tls());
    return b.build();
  }

  /** The listener's name. */
  String name() {
    return settings.name();
  }

  /** The bound address; null before start. */
  InetSocketAddress localAddress() {
    return localAddress;
  }

  /** Links currently open. */
  public int openConnections() {
    synchronized (lock) {
      return links.size();
    }
  }

  // ---- connector callbacks (Scandium's threads)

  /** Scandium's view of sessions: established ones become links, removed ones close theirs. */
  private final class Sessions implements ConnectionListener {
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
  private DtlsLink linkFor(InetSocketAddress peer, Object connection, Principal identity) {
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
      if (!settings.accessRules().allows(peer.getAddress())) {
        counters.denied.incrementAndGet();
        link = null;
      } else if (links.size() >= settings.maxConnections()) {
        counters.refused.incrementAndGet();
        link = null;
      } else {
        link = new DtlsLink(this, executorFor(peer), peer, certificateOf(identity), connection);
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
      log.warn("listener '{}': accepting a link from {} failed; dropping it", name(), link.remote,
          e);
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
      counters.droppedWhilePaused.incrementAndGet();
      return;
    }
    try {
      link.listener.onBytes(bytes);
    } catch (RuntimeException e) {
      log.warn("listener '{}': link {} failed; closing it", name(), link.remote, e);
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
        log.debug("listener '{}': closing the session of {} failed: {}", name(), link.remote,
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
          log.warn("listener '{}': reporting the close of {} failed", name(), link.remote, e);
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
   * open, then ends the executors. Call once, after a successful {@link #start}.
   *
   * @return completes once the port is free and every close has been reported
   */
  public CompletionStage<Void> stop() {
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
      log.warn("listener '{}': destroying the DTLS connector failed", name(), e);
    }
    for (DtlsLink link : open) {
      report(link, SSL_CLOSED);
    }
    SerialExecutor[] pool = executors;
    for (SerialExecutor ex : pool) {
      ex.service().shutdown();
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    Thread waiter = new Thread(() -> {
      try {
        for (SerialExecutor ex : pool) {
          ex.service().awaitTermination(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      done.complete(null);
    }, "exproto-dtls-" + name() + "-stop");
    waiter.setDaemon(true);
    waiter.start();
    return done;
  }

  /** The client certificate of a session's identity; null for PSK or none. */
  static PeerCertificate certificateOf(Principal identity) {
    if (identity instanceof X509CertPath path) {
      X509Certificate cert = path.getTarget();
      if (cert != null) {
        return PeerCertificate.of(cert);
      }
    }
    return null;
  }
}
