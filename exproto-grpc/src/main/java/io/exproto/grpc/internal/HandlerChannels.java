package io.exproto.grpc.internal;

import io.exproto.tls.TlsSettings;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Creates the channel to a handler service from its {@code handler.address}: plaintext for
 * {@code http://}, TLS for {@code https://}.
 *
 * <p>Stateless; thread-safe.
 */
public final class HandlerChannels {
  private HandlerChannels() {}

  /**
   * Channels to the handler at {@code address}, one for each of {@code groups} (a group's event
   * loops run its I/O; not owned), or one on gRPC's own threads when {@code groups} is empty. The
   * address is read and the TLS context made once, for all of them. They connect lazily, on the
   * first call.
   *
   * @param address {@code http://host:port} or {@code https://host:port}; the host is a name or
   *     an IP literal
   * @param tlsOrNull for {@code https://}: client settings, how to verify the handler, the client
   *     certificate and the server name; null for the JDK's default trust store, no client
   *     certificate, and the address's host as SNI
   * @param groups the event loop groups to run the channels on (each loop of a group, say), or
   *     none for gRPC's own threads
   * @param channelType the socket channel class for {@code groups}; null without them
   * @param transparentRetry keep gRPC's transparent retries (see
   *     {@code GrpcHandler.Builder.transparentRetry}); false disables gRPC's retry machinery
   * @throws IllegalArgumentException if the address is malformed, or the TLS context cannot be
   *     made from the settings
   * @throws IllegalStateException if TLS settings are given with a plaintext {@code http://}
   *     address
   */
  public static List<ManagedChannel> create(String address, TlsSettings tlsOrNull,
      List<? extends EventLoopGroup> groups, Class<? extends Channel> channelType,
      boolean transparentRetry) {
    HandlerAddress parsed = HandlerAddress.parse(address);
    if (!parsed.tls() && tlsOrNull != null) {
      throw new IllegalStateException("TLS settings (" + tlsOrNull + ") were given, but handler"
          + " address " + address + " is plaintext http://; use https://" + parsed.host() + ":"
          + parsed.port() + " for TLS, or leave out tls(...)");
    }
    SslContext ssl = parsed.tls() ? TlsContexts.forHandler(tlsOrNull) : null;
    List<ManagedChannel> channels = new ArrayList<>();
    try {
      for (EventLoopGroup group : groups.isEmpty() ? Collections.<EventLoopGroup>singletonList(null)
          : groups) {
        channels.add(channel(parsed, ssl, tlsOrNull, group, channelType, transparentRetry));
      }
    } catch (RuntimeException e) {
      channels.forEach(ManagedChannel::shutdownNow);
      throw e;
    }
    return channels;
  }

  private static ManagedChannel channel(HandlerAddress parsed, SslContext sslOrNull,
      TlsSettings tlsOrNull, EventLoopGroup groupOrNull, Class<? extends Channel> channelType,
      boolean transparentRetry) {
    NettyChannelBuilder builder = NettyChannelBuilder.forAddress(parsed.host(), parsed.port());
    if (sslOrNull != null) {
      builder.sslContext(sslOrNull);
      if (tlsOrNull != null) {
        // The authority is what gRPC's TLS negotiator sends as SNI and verifies the certificate
        // against, so overriding it lets an IP address be dialled while a host name is verified.
        tlsOrNull.serverName().ifPresent(builder::overrideAuthority);
      }
    } else {
      builder.usePlaintext();
    }
    if (groupOrNull != null) {
      builder.eventLoopGroup(groupOrNull).channelType(channelType);
    }
    if (transparentRetry) {
      builder.enableRetry(); // no retry policy is configured: transparent retries only
    } else {
      builder.disableRetry();
    }
    // Responses only complete a future whose continuation hops onto the connection's executor:
    // no need for gRPC's extra executor handoff.
    return builder.directExecutor().build();
  }

  /**
   * Shuts {@code channel} down, waiting up to {@code grace} for calls in progress before
   * cancelling them.
   */
  public static void shutdown(ManagedChannel channel, Duration grace) {
    channel.shutdown();
    try {
      if (!channel.awaitTermination(grace.toNanos(), TimeUnit.NANOSECONDS)) {
        channel.shutdownNow();
      }
    } catch (InterruptedException e) {
      channel.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
