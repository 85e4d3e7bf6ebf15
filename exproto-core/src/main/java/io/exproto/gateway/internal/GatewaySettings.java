package io.exproto.gateway.internal;

import io.exproto.auth.Authenticator;
import io.exproto.auth.Authorizer;
import io.exproto.broker.Broker;
import io.exproto.events.GatewayEventListener;
import io.exproto.gateway.Gateway;
import io.exproto.gateway.Scheduler;
import io.exproto.handler.ConnectionAdapter;
import io.exproto.handler.ConnectionHandler;
import io.exproto.management.AuthenticationAdmin;
import io.exproto.metrics.GatewayMetrics;
import io.exproto.transport.TransportListener;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/**
 * The validated settings the engine runs with, made by {@link io.exproto.gateway.GatewayBuilder}
 * and handed to {@link GatewayFactory#create}. Immutable: settings changeable on a running gateway
 * (such as the idle timeout, see {@link Gateway#updateIdleTimeout(Duration)}) start from these
 * values and live in the engine. Not API.
 */
public record GatewaySettings(String nodeName,
    Function<ConnectionAdapter, ConnectionHandler> handlerFactory, Broker broker,
    Authenticator authenticator, Authorizer authorizer, List<TransportListener> listeners,
    String mountpoint, Duration idleTimeout, Duration callbackTimeout,
    Duration closeFlushTimeout, int maxBatchSize, int maxQueuedCallbacks,
    int maxQueuedDeliveries, long maxInboundBytesPerSecond, int maxInboundMessagesPerSecond,
    Scheduler scheduler, GatewayMetrics metrics, List<GatewayEventListener> eventListeners,
    int eventQueueCapacity, AuthenticationAdmin authenticationAdmin, Duration authTimeout,
    Duration drainTimeout, long maxQueuedBytes) {}
