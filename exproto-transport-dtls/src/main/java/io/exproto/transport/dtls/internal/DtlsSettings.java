package io.exproto.transport.dtls.internal;

import io.exproto.transport.AccessRules;
import java.net.InetSocketAddress;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedPskStore;

/**
 * A DTLS listener's validated settings, with its key material read: what the listener's builder
 * produces and what {@link DtlsEndpoint} runs on. Not API.
 *
 * @param privateKey null without a certificate
 * @param certificateChain null without a certificate
 * @param trusted null without {@code verifyPeer}
 * @param pskStore null without pre-shared keys
 */
public record DtlsSettings(String name, InetSocketAddress bindAddress, int maxConnections,
    int maxConnRate, LongSupplier nanoClock, AccessRules accessRules, PrivateKey privateKey,
    X509Certificate[] certificateChain, X509Certificate[] trusted, AdvancedPskStore pskStore,
    boolean verifyPeer, boolean failIfNoPeerCert, Duration retransmissionTimeout,
    int maxRetransmissions, int executorThreads, int sendBuffer, int recvBuffer) {}
