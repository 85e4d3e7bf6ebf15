package io.exproto.transport.dtls.internal;

import io.exproto.tls.TlsSettings;
import io.exproto.transport.AccessRules;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedPskStore;

/**
 * A DTLS listener's validated settings: what the listener's builder produces and what {@link
 * DtlsEndpoint} runs on. Not API.
 *
 * @param tls the certificate, trusted certificates and client authentication (key material
 *     already read); null without a certificate
 * @param pskStore null without pre-shared keys
 */
public record DtlsSettings(String name, InetSocketAddress bindAddress, int maxConnections,
    int maxConnRate, LongSupplier nanoClock, AccessRules accessRules, TlsSettings tls,
    AdvancedPskStore pskStore, Duration retransmissionTimeout, int maxRetransmissions,
    int executorThreads, int sendBuffer, int recvBuffer) {}
