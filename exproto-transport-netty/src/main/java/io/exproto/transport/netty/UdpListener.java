package io.exproto.transport.netty;

import io.exproto.transport.AccessRules;
import io.exproto.transport.LinkAcceptor;
import io.exproto.transport.ListenerBuilder;
import io.exproto.transport.ListenerOptions;
import io.exproto.transport.TransportListener;
import io.exproto.transport.internal.Addresses;
import io.exproto.transport.internal.ListenerLifecycle;
import io.exproto.transport.internal.SocketBuffers;
import io.exproto.transport.netty.internal.EventLoops;
import io.exproto.transport.netty.internal.ServerChannels;
import io.exproto.transport.netty.internal.UdpPeers;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * A UDP listener ({@code listeners.udp.<name>}, docs/configuration.md): one datagram socket, and one {@link
 * io.exproto.transport.Link} of socket type UDP per peer {@code (ip, port)} (docs/behaviour.md, Connections).
 *
 * <pre>{@code
 * UdpListener udp = UdpListener.builder().name("default").bind("0.0.0.0", 7993).build();
 * }</pre>
 *
 * <p><b>Peers.</b> The first datagram from an unknown address creates its link, then is delivered
 * as that link's first {@code onBytes}. Each datagram is one {@code onBytes} (an empty datagram is
 * an empty array); each {@code Link.write} is exactly one datagram to the peer. UDP has no close,
 * so a peer's link lives until it is closed locally (by the gateway: adapter Close, idle or
 * keepalive timeout, ...) or the listener stops; either way the link reports {@code
 * onClosed("udp_closed")} once, and a later datagram from the same address creates a new link.
 * Datagrams from new peers while {@code maxConnections} peers are open are dropped and counted in
 * {@link #refusedConnections()}.
 *
 * <p><b>Admission.</b> The access rules are checked for each datagram from a peer without a link;
 * a denied one is dropped and counted in {@link #deniedConnections()}. Then {@code maxConnRate}
 * (new peers a second): a datagram from a new peer beyond it is dropped, counted in {@link
 * #rateLimitedConnections()}, and the peer's next datagram may get in.
 *
 * <p><b>Backpressure.</b> A datagram socket cannot stop one peer from sending, so while a link's
 * reads are paused its datagrams are dropped, counted in {@link #droppedWhilePaused()}; UDP
 * protocols expect loss.
 *
 * <p><b>Sending.</b> {@code send_timeout}, docs/configuration.md does not apply to UDP, and a UDP listener has
 * no such option (nor {@link TcpListener}'s {@code maxPendingOutboundBytes}): UDP has no flow
 * control, so a peer that stops reading cannot hold back the datagrams sent to it; they leave at
 * once or are lost on the way. Datagrams queue in Netty only while the kernel's send buffer of the
 * listener's one socket is full (the host sends faster than its network takes), which affects all
 * peers alike and drains by itself.
 *
 * <p><b>Health check.</b> With {@link Builder#healthCheck}, a datagram equal to the request is
 * answered with the reply, from any sender the access rules allow, and creates no link (EMQX's
 * {@code health_check}). A request from a denied address is dropped and counted in {@link
 * #deniedConnections()}.
 *
 * <p><b>Threads and memory.</b> All peers of one listener share the datagram socket's event loop,
 * which is every link's {@link io.exproto.transport.LinkExecutor}. An open peer costs one map entry
 * and one small link object.
 *
 * <p><b>Lifecycle.</b> A listener starts once: {@link #start} binds (blocking until bound, so it
 * must not be called on an event loop thread) and {@link #stop} closes the socket, which closes
 * the links still open (each reports {@code udp_closed}), then the transport if the listener
 * created it.
 *
 * <p>Thread-safe.
 */
public final class UdpListener implements TransportListener {

  /** Default port of the ExProto UDP listener. */
  public static final int DEFAULT_PORT = 7993;

  // The receive buffer: every datagram fits (the largest UDP payload is 65507 bytes over IPv4), so
  // none is truncated; the buffer is pooled and released as soon as the datagram has been copied.
  private static final int MAX_DATAGRAM_BYTES = 65535;
  private static final int MAX_UDP_PAYLOAD = 65507;

  private final ListenerLifecycle lifecycle = new ListenerLifecycle(this::describe);
  private final String name;
  private final InetSocketAddress bindAddress;
  private final int maxConnections;
  private final AccessRules accessRules;
  private final int maxConnRate;
  private final boolean reuseaddr;
  private final int sendBuffer;
  private final int recvBuffer;
  private final byte[] healthCheckRequest;
  private final byte[] healthCheckReply;
  private final NettyTransport sharedTransport;

  private NettyTransport ownTransport; // guarded by this
  private Channel channel; // guarded by this
  private volatile InetSocketAddress localAddress;
  private volatile UdpPeers peers;

  private final boolean authenticationEnabled;

  private UdpListener(Builder b, ListenerOptions options) {
    this.authenticationEnabled = b.authenticationEnabled();
    this.name = options.name();
    this.bindAddress = options.bindAddress();
    this.maxConnections = options.maxConnections();
    this.accessRules = options.accessRules();
    this.maxConnRate = options.maxConnRate();
    this.reuseaddr = b.reuseaddr;
    this.sendBuffer = b.sendBuffer;
    this.recvBuffer = b.recvBuffer;
    this.healthCheckRequest = b.healthCheckRequest;
    this.healthCheckReply = b.healthCheckReply;
    this.sharedTransport = b.transport;
  }

  /** A builder with the defaults listed in docs/configuration.md. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String name() {
    return name;
  }

  /** Returns {@code "udp"}. */
  @Override
  public String kind() {
    return "udp";
  }

  @Override
  public boolean authenticationEnabled() {
    return authenticationEnabled;
  }

  /** The configured address, possibly with port 0; see {@link #localAddress()} for the bound one. */
  public InetSocketAddress bindAddress() {
    return bindAddress;
  }

  /** The configured peer limit. */
  public int maxConnections() {
    return maxConnections;
  }

  /** True if a health check is configured. */
  public boolean hasHealthCheck() {
    return healthCheckRequest != null;
  }

  /**
   * The bound address, with the real port when configured with port 0; null before a successful
   * {@link #start}. Still returned after {@link #stop}.
   */
  @Override
  public InetSocketAddress localAddress() {
    return localAddress;
  }

  /** Peers currently open on this listener. 0 before start and after stop. */
  public int openConnections() {
    UdpPeers p = peers;
    return p == null ? 0 : p.openConnections();
  }

  /**
   * Datagrams from new peers dropped because {@code maxConnections} peers were open, since start.
   * Never reset.
   */
  public long refusedConnections() {
    UdpPeers p = peers;
    return p == null ? 0 : p.refusedConnections();
  }

  /**
   * Datagrams from new peers (health check requests included) dropped because the access rules deny
   * them, since start.
   */
  public long deniedConnections() {
    UdpPeers p = peers;
    return p == null ? 0 : p.deniedConnections();
  }

  /** Datagrams from new peers dropped because {@code maxConnRate} was exceeded, since start. */
  public long rateLimitedConnections() {
    UdpPeers p = peers;
    return p == null ? 0 : p.rateLimitedConnections();
  }

  /** The access rules for new peers. */
  public AccessRules accessRules() {
    return accessRules;
  }

  /** New peers accepted per second at most. */
  public int maxConnRate() {
    return maxConnRate;
  }

  /** Datagrams dropped because their peer's reads were paused (backpressure), since start. */
  public long droppedWhilePaused() {
    UdpPeers p = peers;
    return p == null ? 0 : p.droppedWhilePaused();
  }

  /**
   * Binds and starts receiving; returns once bound. If binding fails the listener stays unstarted
   * and {@code start} may be called again.
   *
   * @throws BindException naming the address, if it cannot be bound (e.g. already in use)
   * @throws IllegalStateException if already started or stopped, or if the given transport was
   *     shut down
   */
  @Override
  public synchronized void start(LinkAcceptor acceptor) throws IOException {
    Objects.requireNonNull(acceptor, "acceptor");
    lifecycle.start(() -> bind(acceptor));
  }

  private void bind(LinkAcceptor acceptor) throws IOException {
    if (sharedTransport != null && sharedTransport.isShutdown()) {
      throw new IllegalStateException(describe() + ": its NettyTransport was shut down; stop"
          + " listeners before closing their transport");
    }
    NettyTransport transport = sharedTransport != null ? sharedTransport : NettyTransport.create();
    NettyTransport own = transport != sharedTransport ? transport : null;
    UdpPeers handler = new UdpPeers(name, acceptor, maxConnections, healthCheckRequest,
        healthCheckReply, accessRules, maxConnRate);
    channel = ServerChannels.bind(bootstrap(transport.eventLoops(), handler), bindAddress,
        describe(), own);
    ownTransport = own;
    peers = handler;
    localAddress = (InetSocketAddress) channel.localAddress();
  }

  private Bootstrap bootstrap(EventLoops loops, UdpPeers handler) {
    Bootstrap b = new Bootstrap()
        // One socket, so one worker loop serves every peer of this listener.
        .group(loops.workerGroup())
        .channel(loops.isEpoll() ? EpollDatagramChannel.class : NioDatagramChannel.class)
        .option(ChannelOption.SO_REUSEADDR, reuseaddr)
        .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_DATAGRAM_BYTES))
        // The whole UDP pipeline: the peer demultiplexer is its only handler.
        .handler(new ChannelInitializer<DatagramChannel>() {
          @Override
          protected void initChannel(DatagramChannel ch) {
            ch.pipeline().addLast(UdpPeers.HANDLER_NAME, handler);
          }
        });
    if (recvBuffer > 0) {
      b.option(ChannelOption.SO_RCVBUF, recvBuffer);
    }
    if (sendBuffer > 0) {
      b.option(ChannelOption.SO_SNDBUF, sendBuffer);
    }
    return b;
  }

  /**
   * Closes the datagram socket (links still open report {@code udp_closed}), then the transport
   * if this listener created it. Idempotent; before {@link #start} it only marks the listener
   * stopped.
   *
   * @return completes when the port is released (and the own transport has terminated)
   */
  @Override
  public synchronized CompletionStage<Void> stop() {
    return lifecycle.stop(() -> ServerChannels.close(channel, ownTransport));
  }

  private String describe() {
    return "udp listener '" + name + "'";
  }

  @Override
  public String toString() {
    InetSocketAddress bound = localAddress;
    return describe() + " on " + Addresses.format(bound != null ? bound : bindAddress);
  }

  /**
   * Configures a {@link UdpListener}. Setters only record; {@link #build()} validates. Not
   * thread-safe.
   */
  public static final class Builder extends ListenerBuilder<Builder> {
    private boolean reuseaddr;
    private int sendBuffer;
    private int recvBuffer;
    private byte[] healthCheckRequest;
    private byte[] healthCheckReply;
    private NettyTransport transport;

    private Builder() {
      super(DEFAULT_PORT, "new peer");
    }

    /**
     * {@code SO_REUSEADDR} on the datagram socket. Default <b>false</b>, unlike TCP (and EMQX): on
     * Linux it lets a second UDP socket bind the same port, which then silently takes the traffic,
     * instead of failing to start.
     */
    public Builder reuseaddr(boolean reuseaddr) {
      this.reuseaddr = reuseaddr;
      return this;
    }

    /** {@code SO_SNDBUF} of the datagram socket in bytes; 0 keeps the OS default. Default 0. */
    public Builder sendBuffer(int bytes) {
      this.sendBuffer = bytes;
      return this;
    }

    /**
     * {@code SO_RCVBUF} of the datagram socket in bytes; 0 keeps the OS default. Default 0. All
     * peers share it: raise it for many busy peers.
     */
    public Builder recvBuffer(int bytes) {
      this.recvBuffer = bytes;
      return this;
    }

    /**
     * Answers a datagram equal to {@code request} with {@code reply}, without creating a
     * connection (EMQX's {@code health_check { request, reply }}). Both arrays are copied. Default:
     * none.
     *
     * @param request not empty
     * @param reply may be empty (an empty datagram)
     */
    public Builder healthCheck(byte[] request, byte[] reply) {
      this.healthCheckRequest = Objects.requireNonNull(request, "request").clone();
      this.healthCheckReply = Objects.requireNonNull(reply, "reply").clone();
      return this;
    }

    /**
     * Event loops shared with other listeners; the caller keeps ownership and closes it after the
     * listeners stop. Default: the listener creates its own with {@link NettyTransport#create()}
     * at start and closes it on stop.
     */
    public Builder transport(NettyTransport transport) {
      this.transport = Objects.requireNonNull(transport, "transport");
      return this;
    }

    /**
     * Validates the settings and creates the listener (not started).
     *
     * @throws IllegalArgumentException naming the setting that is wrong, and its value
     */
    public UdpListener build() {
      ListenerOptions options = options();
      SocketBuffers.check(sendBuffer, recvBuffer);
      if (healthCheckRequest != null && healthCheckRequest.length == 0) {
        throw new IllegalArgumentException("healthCheck request must not be empty: an empty"
            + " datagram would be answered instead of reaching its connection");
      }
      if (healthCheckReply != null && healthCheckReply.length > MAX_UDP_PAYLOAD) {
        throw new IllegalArgumentException("healthCheck reply must fit one datagram ("
            + MAX_UDP_PAYLOAD + " bytes), was " + healthCheckReply.length + " bytes");
      }
      return new UdpListener(this, options);
    }
  }
}
