/**
 * TLS settings, one model for every TLS use of exproto: {@link io.exproto.tls.TlsSettings}, with
 * a server side (ssl and dtls listeners, the gRPC adapter server) and a client side (the channel
 * to a remote handler, the MQTT bridge). Plain Java: each module converts the settings to its TLS
 * library's form (Netty, Scandium, gRPC, the HiveMQ client) in an internal class. For
 * applications that configure TLS on any of those.
 */
package io.exproto.tls;
