package io.exproto.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The standalone gateway's HTTP server: EMQX's management API under {@code /api/v5}, Prometheus
 * text at {@code /api/v5/prometheus/stats} and {@code /metrics}, {@code /status}, and the
 * dashboard at {@code /}.
 *
 * <p>Netty's HTTP codec on one event loop thread of its own (never a device's), a small router,
 * Jackson for JSON. Requests are bounded: a body above {@link #MAX_BODY_BYTES} is refused with
 * 413 before it is read, at most {@link #MAX_CONNECTIONS} connections are open, idle ones close
 * after 60 s. Management calls that wait (listener changes) run on one management thread with a
 * bounded queue (503 when full); calls on connections hop to the connections' own threads and
 * answer asynchronously.
 *
 * <p>Access: with API keys, every {@code /api/v5} path except {@code /api/v5/prometheus/stats}
 * and {@code /api/v5/status} needs HTTP Basic {@code key:secret} (as EMQX, whose Prometheus and
 * status endpoints are open by default); without keys the server only starts on a loopback
 * address. Thread-safe.
 */
public final class HttpApiServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HttpApiServer.class);

  /** The largest request body accepted: 1 MiB. */
  public static final int MAX_BODY_BYTES = 1 << 20;

  /** How long a connection refused with 413 is read and discarded before it is closed. */
  static final Duration DRAIN_AFTER_REFUSAL = Duration.ofSeconds(5);
  /** The most HTTP connections open at once. */
  public static final int MAX_CONNECTIONS = 256;

  private static final String PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8";

  private final InetSocketAddress bind;
  private final ApiKeys keys;
  private final ServerAdmin admin;
  private final ObjectMapper json = new ObjectMapper();
  private final Router router = new Router();
  private final Map<String, Response> staticFiles = new LinkedHashMap<>();
  private final AtomicInteger open = new AtomicInteger();
  private EventLoopGroup group;
  private ExecutorService management;
  private Channel serverChannel;

  /**
   * A server for {@code admin}'s gateway.
   *
   * @throws IllegalArgumentException if {@code keys} is empty and {@code bind} is not a loopback
   *     address
   */
  public HttpApiServer(InetSocketAddress bind, ApiKeys keys, ServerAdmin admin) {
    this.bind = Objects.requireNonNull(bind, "bind");
    this.keys = Objects.requireNonNull(keys, "keys");
    this.admin = Objects.requireNonNull(admin, "admin");
    if (keys.isEmpty() && (bind.getAddress() == null || !bind.getAddress().isLoopbackAddress())) {
      throw new IllegalArgumentException("the HTTP API at " + bind.getHostString() + ":"
          + bind.getPort() + " is not on a loopback address and has no API key: set"
          + " http.api_key.bootstrap_file (key:secret lines), or bind it to 127.0.0.1");
    }
    new ManagementApi(admin, json, this::onManagementThread).register(router);
    router.add("GET", "/status", r -> CompletableFuture.completedStage(status(r)));
    router.add("GET", "/api/v5/status", r -> CompletableFuture.completedStage(status(r)));
    Router.Handler prometheus = r -> CompletableFuture.completedStage(
        Response.text(200, PROMETHEUS, admin.prometheusText()));
    router.add("GET", "/api/v5/prometheus/stats", prometheus);
    router.add("GET", "/metrics", prometheus);
    staticFile("/", "index.html", "text/html; charset=utf-8");
    staticFile("/dashboard.js", "dashboard.js", "text/javascript; charset=utf-8");
    staticFile("/dashboard.css", "dashboard.css", "text/css; charset=utf-8");
    for (Map.Entry<String, Response> e : staticFiles.entrySet()) {
      Response file = e.getValue();
      router.add("GET", e.getKey(), r -> CompletableFuture.completedStage(file));
    }
  }

  private void staticFile(String path, String resource, String type) {
    try (InputStream in = HttpApiServer.class.getResourceAsStream("dashboard/" + resource)) {
      if (in == null) {
        throw new IllegalStateException("dashboard resource " + resource + " is missing");
      }
      staticFiles.put(path, new Response(200, type, in.readAllBytes()));
    } catch (IOException e) {
      throw new IllegalStateException("dashboard resource " + resource + ": " + e, e);
    }
  }

  private Response status(Request r) {
    boolean up = !admin.gateway().isTerminated();
    String node = admin.gateway().nodeName();
    if ("json".equals(r.query("format"))) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("node", node);
      m.put("rel_vsn", HttpApiServer.class.getPackage().getImplementationVersion());
      m.put("status", up ? "started" : "stopped");
      m.put("app_status", up ? "running" : "not_running");
      return ManagementApi.json(json, up ? 200 : 503, m);
    }
    return Response.text(up ? 200 : 503, "text/plain; charset=utf-8", "Node " + node + " is "
        + (up ? "started" : "stopped") + "\nexproto is " + (up ? "running" : "not_running")
        + "\n");
  }

  /** Runs a blocking management task on the management thread. */
  private <T> CompletionStage<T> onManagementThread(ManagementApi.Blocking<T> task) {
    CompletableFuture<T> out = new CompletableFuture<>();
    try {
      management.execute(() -> {
        try {
          out.complete(task.run());
        } catch (Throwable t) {
          out.completeExceptionally(t);
        }
      });
    } catch (RejectedExecutionException e) {
      out.completeExceptionally(new ApiException(503, "SERVICE_UNAVAILABLE",
          "too many management changes are waiting; try again"));
    }
    return out;
  }

  /**
   * Binds and starts serving.
   *
   * @throws IOException if the address cannot be bound
   */
  public HttpApiServer start() throws IOException {
    group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("exproto-http", true),
        NioIoHandler.newFactory());
    management = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
        new ArrayBlockingQueue<>(16), new DefaultThreadFactory("exproto-management", true));
    ServerBootstrap b = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            if (open.incrementAndGet() > MAX_CONNECTIONS) {
              open.decrementAndGet();
              ch.close();
              return;
            }
            ch.closeFuture().addListener(f -> open.decrementAndGet());
            ch.pipeline()
                .addLast("codec", new HttpServerCodec(4096, 16384, 8192))
                .addLast("idle", new IdleStateHandler(0, 0, 60, TimeUnit.SECONDS))
                // The aggregator refuses a body above the limit from its Content-Length,
                // before reading it (and a chunked one as soon as it passes the limit).
                .addLast("aggregator", new BoundedAggregator())
                .addLast("api", new ApiHandler());
          }
        });
    try {
      serverChannel = b.bind(bind).sync().channel();
    } catch (Exception e) {
      close();
      IOException io = new IOException("the HTTP API cannot bind " + bind.getHostString() + ":"
          + bind.getPort() + ": " + e.getMessage(), e);
      throw io;
    }
    if (keys.isEmpty()) {
      log.warn("the HTTP API at {}:{} has no API key: anyone on this host can manage the"
          + " gateway", bind.getHostString(), localAddress().getPort());
    }
    log.info("HTTP API and dashboard at http://{}:{}/", bind.getHostString(),
        localAddress().getPort());
    return this;
  }

  /** The bound address. */
  public InetSocketAddress localAddress() {
    return serverChannel == null ? null : (InetSocketAddress) serverChannel.localAddress();
  }

  @Override
  public void close() {
    if (serverChannel != null) {
      serverChannel.close().syncUninterruptibly();
    }
    if (group != null) {
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
    if (management != null) {
      management.shutdownNow();
    }
  }

  /** Answers 413 in EMQX's error shape when a body is too large, then closes. */
  private final class BoundedAggregator extends HttpObjectAggregator {
    BoundedAggregator() {
      super(MAX_BODY_BYTES, true);
    }

    /**
     * Answers, then stops sending and reads on, discarding, until the client closes or {@link
     * #DRAIN_AFTER_REFUSAL} has passed: closing at once, with the rest of the body unread, would
     * reset the connection, and a reset can destroy the answer before the client reads it.
     */
    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
      ctx.pipeline().addFirst("discard-after-413", new ChannelInboundHandlerAdapter() {
        @Override
        public void channelRead(ChannelHandlerContext c, Object msg) {
          ReferenceCountUtil.release(msg);
        }
      });
      ctx.writeAndFlush(tooLarge()).addListener((ChannelFutureListener) f -> {
        if (!f.isSuccess() || !(f.channel() instanceof DuplexChannel duplex)) {
          f.channel().close();
          return;
        }
        duplex.shutdownOutput();
        f.channel().eventLoop().schedule(() -> f.channel().close(),
            DRAIN_AFTER_REFUSAL.toMillis(), TimeUnit.MILLISECONDS);
      });
    }

    /** A client that asks {@code Expect: 100-continue} first gets the same answer, unread. */
    @Override
    protected Object newContinueResponse(HttpMessage start, int maxContentLength,
        ChannelPipeline pipeline) {
      if (HttpUtil.is100ContinueExpected(start)
          && HttpUtil.getContentLength(start, -1L) > maxContentLength) {
        return tooLarge(); // not keep-alive: the aggregator closes after writing it
      }
      return super.newContinueResponse(start, maxContentLength, pipeline);
    }

    private FullHttpResponse tooLarge() {
      FullHttpResponse r = toNetty(ManagementApi.error(json, new ApiException(413,
          "REQUEST_ENTITY_TOO_LARGE", "the request body is larger than " + MAX_BODY_BYTES
              + " bytes")));
      HttpUtil.setKeepAlive(r, false);
      return r;
    }
  }

  private static FullHttpResponse toNetty(Response r) {
    FullHttpResponse out = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
        HttpResponseStatus.valueOf(r.status()),
        r.body() == null ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(r.body()));
    if (r.contentType() != null) {
      out.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
    }
    out.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.body() == null ? 0 : r.body().length);
    out.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    out.headers().set("X-Content-Type-Options", "nosniff");
    return out;
  }

  private final class ApiHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      boolean keepAlive = HttpUtil.isKeepAlive(req);
      if (!req.decoderResult().isSuccess()) {
        write(ctx, ManagementApi.error(json, ApiException.badRequest("malformed HTTP request: "
            + req.decoderResult().cause())), false);
        return;
      }
      QueryStringDecoder qs = new QueryStringDecoder(req.uri());
      String path = qs.rawPath();
      String method = req.method().name();
      Router.Match m = router.match(method, path);
      if (m.handler() == null) {
        write(ctx, ManagementApi.error(json, m.allowed().isEmpty()
            ? ApiException.notFound("no such path: " + path)
            : new ApiException(405, "METHOD_NOT_ALLOWED", method + " is not allowed on " + path
                + "; allowed: " + String.join(", ", m.allowed()))), keepAlive);
        return;
      }
      if (needsKey(path) && !keys.allows(req.headers().get(HttpHeaderNames.AUTHORIZATION))) {
        write(ctx, ManagementApi.error(json, new ApiException(401, "BAD_API_KEY_OR_SECRET",
            "Check api_key/api_secret (HTTP Basic key:secret)")), keepAlive);
        return;
      }
      byte[] body = new byte[req.content().readableBytes()];
      req.content().readBytes(body);
      Request r = new Request(method, path, m.params(), qs.parameters(), body);
      CompletionStage<Response> stage;
      try {
        stage = m.handler().handle(r);
      } catch (Exception e) {
        stage = CompletableFuture.failedStage(e);
      }
      // Answers complete on connections' threads; serialize and write on this server's own.
      stage.whenCompleteAsync((resp, err) -> {
        Response out = err == null ? resp : ManagementApi.error(json, unwrap(err));
        if (method.equals("HEAD")) {
          out = new Response(out.status(), out.contentType(), null);
        }
        write(ctx, out, keepAlive);
      }, ctx.executor());
    }

    private boolean needsKey(String path) {
      return path.startsWith("/api/") && !path.equals("/api/v5/prometheus/stats")
          && !path.equals("/api/v5/status");
    }

    private void write(ChannelHandlerContext ctx, Response r, boolean keepAlive) {
      FullHttpResponse out = toNetty(r);
      if (keepAlive) {
        out.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        ctx.writeAndFlush(out);
      } else {
        ctx.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof IdleStateEvent) {
        ctx.close();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      log.debug("HTTP connection from {} failed: {}", ctx.channel().remoteAddress(),
          cause.toString());
      ctx.close();
    }
  }

  static Throwable unwrap(Throwable t) {
    Throwable c = t;
    while ((c instanceof CompletionException || c instanceof java.util.concurrent
        .ExecutionException) && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }
}
