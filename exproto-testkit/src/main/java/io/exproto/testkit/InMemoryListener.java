package io.exproto.testkit;

import io.exproto.handler.PeerCertificate;
import io.exproto.handler.SocketType;
import io.exproto.transport.Link;
import io.exproto.transport.LinkAcceptor;
import io.exproto.transport.LinkExecutor;
import io.exproto.transport.LinkListener;
import io.exproto.transport.TransportListener;
import io.exproto.transport.netty.Framing;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A transport without sockets: {@link #connect()} makes an {@link InMemoryDevice} whose link runs
 * on this listener's single "event loop" thread. Use it to test a handler, or the engine, with no
 * network and no ports. Thread-safe.
 */
public final class InMemoryListener implements TransportListener {
  private final String name;
  private final SocketType socketType;
  private final PeerCertificate peerCertificate;
  private volatile Framing framing = Framing.none();
  private final AtomicInteger nextPort = new AtomicInteger(40000);
  private final InetSocketAddress local;
  private volatile ExecutorService loop;
  private volatile Thread loopThread;
  private volatile LinkAcceptor acceptor;
  private volatile boolean authenticationEnabled = true;
  private final LinkExecutor executor = new LinkExecutor() {
    @Override
    public void execute(Runnable command) {
      loop.execute(command);
    }

    @Override
    public boolean inExecutorThread() {
      return Thread.currentThread() == loopThread;
    }
  };

  private InMemoryListener(String name, SocketType socketType, PeerCertificate cert) {
    this.name = name;
    this.socketType = socketType;
    this.peerCertificate = cert;
    this.local = new InetSocketAddress("127.0.0.1", 7993);
  }

  /** A TCP-like listener named {@code name}. */
  public static InMemoryListener create(String name) {
    return new InMemoryListener(name, SocketType.TCP, null);
  }

  /** A listener whose links report {@code socketType} and {@code peerCertificate} (may be null). */
  public static InMemoryListener create(String name, SocketType socketType,
      PeerCertificate peerCertificate) {
    return new InMemoryListener(name, socketType, peerCertificate);
  }

  /**
   * Cuts what devices send into frames as a {@code TcpListener} with {@code framing} would (so a
   * handler sees the same {@code OnReceivedBytes} as in production): each frame is one callback,
   * however the device's sends split or merge it; a frame over the limit closes the connection
   * with {@code frame_too_long}, a corrupt length field with {@code frame_corrupted}. Applies to
   * devices that connect afterwards. Default {@link Framing#none()}:
   * each send is one callback.
   *
   * @return this listener
   */
  public InMemoryListener framing(Framing framing) {
    this.framing = Objects.requireNonNull(framing, "framing");
    return this;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String kind() {
    return "memory";
  }

  /**
   * Sets what {@link #authenticationEnabled()} answers (EMQX's listener {@code enable_authn}); the
   * engine reads it at each Authenticate. Default true.
   *
   * @return this listener
   */
  public InMemoryListener authenticationEnabled(boolean enabled) {
    this.authenticationEnabled = enabled;
    return this;
  }

  @Override
  public boolean authenticationEnabled() {
    return authenticationEnabled;
  }

  @Override
  public synchronized void start(LinkAcceptor acceptor) {
    if (this.acceptor != null) {
      throw new IllegalStateException("listener " + name + " already started");
    }
    this.acceptor = acceptor;
    this.loop = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "exproto-memory-" + name);
      t.setDaemon(true);
      loopThread = t;
      return t;
    });
  }

  @Override
  public InetSocketAddress localAddress() {
    return acceptor == null ? null : local;
  }

  @Override
  public CompletionStage<Void> stop() {
    ExecutorService l = loop;
    if (l == null) {
      return CompletableFuture.completedFuture(null);
    }
    return CompletableFuture.runAsync(() -> {
      l.shutdown();
      try {
        l.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
  }

  /**
   * Waits until every task queued on the loop before this call has run: after it, everything
   * devices sent so far has reached the gateway.
   */
  public void awaitQueuedTasks(Duration timeout) throws Exception {
    CompletableFuture<Void> marker = new CompletableFuture<>();
    loop.execute(() -> marker.complete(null));
    marker.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Opens a new connection, as a device would, from 127.0.0.1 (ports 40000 and up); the gateway is
   * told on the loop thread.
   */
  public InMemoryDevice connect() {
    // Fake peer ports cycle through 40000-65535 so long-running users (benchmarks) never run out.
    int port = 40000 + Math.floorMod(nextPort.getAndIncrement() - 40000, 65536 - 40000);
    return connect(new InetSocketAddress("127.0.0.1", port));
  }

  /**
   * Opens a new connection from {@code peer}, e.g. to test address bans or access rules; the
   * gateway is told on the loop thread.
   */
  public InMemoryDevice connect(InetSocketAddress peer) {
    Objects.requireNonNull(peer, "peer");
    if (acceptor == null) {
      throw new IllegalStateException("listener " + name + " is not started");
    }
    InMemoryDevice device = new InMemoryDevice(executor, socketType, framing.newSplitter());
    Link link = new Link() {
      @Override
      public LinkExecutor executor() {
        return executor;
      }

      @Override
      public SocketType socketType() {
        return socketType;
      }

      @Override
      public InetSocketAddress remoteAddress() {
        return peer;
      }

      @Override
      public InetSocketAddress localAddress() {
        return local;
      }

      @Override
      public PeerCertificate peerCertificate() {
        return peerCertificate;
      }

      @Override
      public String listenerName() {
        return name;
      }

      @Override
      public void write(byte[] bytes) {
        device.received(bytes);
      }

      @Override
      public void close() {
        device.closedByGateway();
      }

      @Override
      public void setReadPaused(boolean paused) {
        device.readPaused(paused);
      }
    };
    executor.execute(() -> {
      LinkListener l = acceptor.accept(link);
      device.attach(l);
    });
    return device;
  }
}
