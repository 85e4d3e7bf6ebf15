package io.exproto.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The device load generator: a Netty TCP (or TLS) client with three modes.
 *
 * <ul>
 *   <li>{@link #echo}: N connections, closed loop: send a payload, wait until as many bytes came
 *       back, record the round trip, repeat. Warm-up, then a measured window.
 *   <li>{@link #hold}: N idle connections, kept open until {@link Held#close()} (capacity and
 *       memory).
 *   <li>{@link #churn}: N concurrent workers, each looping connect, send a payload, wait for the
 *       echo, close; one operation is one full cycle.
 * </ul>
 *
 * <p>Against a loopback target, connection {@code i} binds its local address to
 * {@code 127.0.0.(2 + i % sourceAddresses)} so the count is not limited by one source address's
 * ephemeral ports. Connects are paced ({@code maxPendingConnects} in flight) so the server's
 * accept backlog does not overflow. Each call owns its event loops and stops them before it
 * returns (or, for hold, on close). Not reusable across threads: one call at a time per instance
 * of {@link Config}.
 *
 * <p>With {@link Config#tls()} each connection does a TLS handshake before it counts as
 * connected (with OpenSSL when netty-tcnative is on the class path, as in exproto-bench.jar, so
 * that the client's handshakes cost less than the gateway's; else the JDK's), and trusts any
 * server certificate: it measures a gateway on loopback, it does not check one.
 */
public final class LoadGenerator {
  private static final long MAX_LATENCY_NANOS = TimeUnit.SECONDS.toNanos(60);

  private LoadGenerator() {}

  /**
   * How to generate load.
   *
   * @param target the server
   * @param connections connections (echo, hold) or concurrent workers (churn)
   * @param payload bytes per message
   * @param warmup time before the measured window
   * @param measure the measured window
   * @param sourceAddresses how many 127.0.0.x source addresses to spread over (loopback only)
   * @param threads event loop threads
   * @param maxPendingConnects connects (with TLS: connects and handshakes) in flight at once
   * @param tls whether to speak TLS
   */
  public record Config(InetSocketAddress target, int connections, int payload, Duration warmup,
      Duration measure, int sourceAddresses, int threads, int maxPendingConnects, boolean tls) {
    /** Validates. */
    public Config {
      Objects.requireNonNull(target, "target");
      if (connections < 1) {
        throw new IllegalArgumentException("connections must be at least 1, was " + connections);
      }
      if (payload < 1) {
        throw new IllegalArgumentException("payload must be at least 1 byte, was " + payload);
      }
      if (sourceAddresses < 1 || sourceAddresses > 250) {
        throw new IllegalArgumentException("sourceAddresses must be 1..250, was "
            + sourceAddresses);
      }
    }

    /**
     * Defaults: 64-byte payload, 3 s warm-up, 8 s measured, 8 source addresses, 2 threads, 256
     * pending connects, plain TCP.
     */
    public static Config of(InetSocketAddress target, int connections) {
      return new Config(target, connections, 64, Duration.ofSeconds(3), Duration.ofSeconds(8), 8,
          2, 256, false);
    }

    /** A copy with another warm-up and measured window. */
    public Config withTimes(Duration warmup, Duration measure) {
      return new Config(target, connections, payload, warmup, measure, sourceAddresses, threads,
          maxPendingConnects, tls);
    }

    /** A copy that speaks TLS, or plain TCP. */
    public Config withTls(boolean tls) {
      return new Config(target, connections, payload, warmup, measure, sourceAddresses, threads,
          maxPendingConnects, tls);
    }
  }

  /** Idle connections being held; {@link #close()} closes them and stops the event loops. */
  public static final class Held implements AutoCloseable {
    private final Client client;
    private final List<Channel> channels;
    private final double connectPerSecond;

    Held(Client client, List<Channel> channels, double connectPerSecond) {
      this.client = client;
      this.channels = channels;
      this.connectPerSecond = connectPerSecond;
    }

    /** Connections open now. */
    public int open() {
      int n = 0;
      for (Channel c : channels) {
        if (c.isActive()) {
          n++;
        }
      }
      return n;
    }

    /** Connections opened per second while connecting. */
    public double connectPerSecond() {
      return connectPerSecond;
    }

    /** Connect failures and unexpected closes so far. */
    public long errors() {
      return client.errors.get();
    }

    @Override
    public void close() {
      client.stopping = true;
      for (Channel c : channels) {
        c.close();
      }
      client.shutdown();
    }
  }

  /** Runs the closed-loop echo load and returns the measured window. */
  public static LoadResult echo(Config config) throws InterruptedException {
    return echo(config, Window.NONE);
  }

  /** As {@link #echo(Config)}, with {@code cpu} told when the measured window opens and closes. */
  static LoadResult echo(Config config, Window cpu) throws InterruptedException {
    Client client = new Client(config);
    byte[] message = payload(config.payload());
    try {
      Bootstrap b = client.bootstrap(() -> new EchoClient(client, message, false));
      long t0 = System.nanoTime();
      List<Channel> channels = client.connectAll(b, config.connections());
      double cps = rate(channels.size(), t0);
      TimeUnit.NANOSECONDS.sleep(config.warmup().toNanos());
      cpu.start();
      client.recorder.reset();
      long m0 = System.nanoTime();
      TimeUnit.NANOSECONDS.sleep(config.measure().toNanos());
      Histogram h = client.recorder.getIntervalHistogram();
      double secs = (System.nanoTime() - m0) / 1e9;
      cpu.stop();
      client.stopping = true;
      for (Channel c : channels) {
        c.close();
      }
      return new LoadResult("echo", channels.size(), h.getTotalCount(), secs, h, cps,
          client.errors.get());
    } finally {
      client.stopping = true;
      client.shutdown();
    }
  }

  /** Opens the connections, sends nothing, and returns them held open. */
  public static Held hold(Config config) throws InterruptedException {
    Client client = new Client(config);
    Bootstrap b = client.bootstrap(() -> new IdleClient(client));
    long t0 = System.nanoTime();
    List<Channel> channels = client.connectAll(b, config.connections());
    return new Held(client, channels, rate(channels.size(), t0));
  }

  /**
   * Runs {@code connections} workers, each cycling connect, echo one payload, close; the result's
   * operations are completed cycles and its latency the time of one cycle.
   */
  public static LoadResult churn(Config config) throws InterruptedException {
    Client client = new Client(config);
    byte[] message = payload(config.payload());
    try {
      Bootstrap b = client.bootstrap(() -> new EchoClient(client, message, true));
      AtomicLong next = new AtomicLong();
      Runnable[] worker = new Runnable[1];
      worker[0] = () -> {
        if (client.stopping) {
          return;
        }
        long i = next.getAndIncrement();
        long started = System.nanoTime();
        ChannelFuture f = b.connect(config.target(), client.local((int) (i % 1_000_000)));
        f.addListener(done -> {
          if (!done.isSuccess()) {
            client.errors.incrementAndGet();
            f.channel().eventLoop().schedule(worker[0], 10, TimeUnit.MILLISECONDS);
            return;
          }
          f.channel().attr(EchoClient.STARTED).set(started);
          f.channel().closeFuture().addListener(closed -> worker[0].run());
        });
      };
      for (int i = 0; i < config.connections(); i++) {
        worker[0].run();
      }
      TimeUnit.NANOSECONDS.sleep(config.warmup().toNanos());
      client.recorder.reset();
      long m0 = System.nanoTime();
      TimeUnit.NANOSECONDS.sleep(config.measure().toNanos());
      Histogram h = client.recorder.getIntervalHistogram();
      double secs = (System.nanoTime() - m0) / 1e9;
      client.stopping = true;
      return new LoadResult("churn", config.connections(), h.getTotalCount(), secs, h,
          h.getTotalCount() / secs, client.errors.get());
    } finally {
      client.stopping = true;
      client.shutdown();
    }
  }

  private static double rate(int n, long t0) {
    double secs = (System.nanoTime() - t0) / 1e9;
    return secs > 0 ? n / secs : 0;
  }

  static byte[] payload(int size) {
    byte[] b = new byte[size];
    for (int i = 0; i < size; i++) {
      b[i] = (byte) ('a' + i % 26);
    }
    return b;
  }

  /** The event loops, counters and recorder of one run. */
  private static final class Client {
    final Config config;
    final EventLoopGroup group;
    final boolean epoll;
    final Recorder recorder = new Recorder(MAX_LATENCY_NANOS, 3);
    final AtomicLong errors = new AtomicLong();
    final boolean loopback;
    final SslContext tls;
    volatile boolean stopping;

    Client(Config config) {
      this.config = config;
      this.epoll = Epoll.isAvailable();
      this.group = new MultiThreadIoEventLoopGroup(config.threads(),
          epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
      this.loopback = config.target().getAddress() != null
          && config.target().getAddress().isLoopbackAddress()
          && config.target().getAddress().getAddress().length == 4;
      this.tls = config.tls() ? clientTls() : null;
    }

    private static SslContext clientTls() {
      try {
        return SslContextBuilder.forClient()
            .sslProvider(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK)
            .trustManager(InsecureTrustManagerFactory.INSTANCE).build();
      } catch (SSLException e) {
        throw new IllegalStateException("cannot make the load generator's TLS context", e);
      }
    }

    Bootstrap bootstrap(Supplier<ChannelInboundHandlerAdapter> handler) {
      Bootstrap b = new Bootstrap().group(group)
          .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
          .option(ChannelOption.TCP_NODELAY, true)
          .option(ChannelOption.SO_REUSEADDR, true)
          .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000)
          .handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              if (tls != null) {
                ch.pipeline().addLast(tls.newHandler(ch.alloc(),
                    config.target().getHostString(), config.target().getPort()));
              }
              ch.pipeline().addLast(handler.get());
            }
          });
      if (epoll) {
        // Choose the source port at connect time, from the whole 4-tuple.
        b.option(EpollChannelOption.IP_BIND_ADDRESS_NO_PORT, true);
      }
      return b;
    }

    InetSocketAddress local(int i) {
      if (!loopback || config.sourceAddresses() == 1) {
        return null;
      }
      return new InetSocketAddress("127.0.0." + (2 + i % config.sourceAddresses()), 0);
    }

    /**
     * Opens n connections, at most maxPendingConnects in flight; a connection is open once
     * connected and, with TLS, its handshake done. Failures count as errors.
     */
    List<Channel> connectAll(Bootstrap b, int n) throws InterruptedException {
      List<Channel> channels = Collections.synchronizedList(new ArrayList<>(n));
      Semaphore pending = new Semaphore(Math.max(1, config.maxPendingConnects()));
      CountDownLatch done = new CountDownLatch(n);
      for (int i = 0; i < n; i++) {
        pending.acquire();
        InetSocketAddress local = local(i);
        ChannelFuture f = local == null ? b.connect(config.target())
            : b.connect(config.target(), local);
        f.addListener(connected -> {
          SslHandler ssl = f.channel().pipeline().get(SslHandler.class);
          if (connected.isSuccess() && ssl != null) {
            ssl.handshakeFuture().addListener(handshake -> opened(handshake, f.channel(),
                channels, pending, done));
          } else {
            opened(connected, f.channel(), channels, pending, done);
          }
        });
      }
      done.await();
      return new ArrayList<>(channels);
    }

    private void opened(Future<?> result, Channel channel, List<Channel> channels,
        Semaphore pending, CountDownLatch done) {
      pending.release();
      if (result.isSuccess()) {
        channels.add(channel);
      } else {
        errors.incrementAndGet();
        channel.close();
      }
      done.countDown();
    }

    void record(long nanos) {
      recorder.recordValue(Math.min(Math.max(nanos, 0), MAX_LATENCY_NANOS));
    }

    void shutdown() {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  /** Closed-loop echo on one connection; with {@code once}, closes after the first echo. */
  private static final class EchoClient extends ChannelInboundHandlerAdapter {
    static final AttributeKey<Long> STARTED = AttributeKey.valueOf("exproto.bench.started");
    private final Client client;
    private final byte[] message;
    private final boolean once;
    private long sentAt;
    private int pending;
    private boolean closing;

    EchoClient(Client client, byte[] message, boolean once) {
      this.client = client;
      this.message = message;
      this.once = once;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      send(ctx);
    }

    private void send(ChannelHandlerContext ctx) {
      pending = message.length;
      sentAt = System.nanoTime();
      ctx.writeAndFlush(Unpooled.wrappedBuffer(message));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf buf = (ByteBuf) msg;
      pending -= buf.readableBytes();
      buf.release();
      if (pending > 0) {
        return;
      }
      long now = System.nanoTime();
      if (once) {
        Long started = ctx.channel().attr(STARTED).get();
        client.record(now - (started != null ? started : sentAt));
        closing = true;
        ctx.close();
        return;
      }
      client.record(now - sentAt);
      if (!client.stopping) {
        send(ctx);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (!closing && !client.stopping) {
        client.errors.incrementAndGet(); // the server closed a connection it should have kept
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (!client.stopping) {
        client.errors.incrementAndGet();
      }
      closing = true;
      ctx.close();
    }
  }

  /** Holds a connection open; anything received is dropped. */
  private static final class IdleClient extends ChannelInboundHandlerAdapter {
    private final Client client;

    IdleClient(Client client) {
      this.client = client;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ((ByteBuf) msg).release();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (!client.stopping) {
        client.errors.incrementAndGet(); // the server closed an idle connection
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
