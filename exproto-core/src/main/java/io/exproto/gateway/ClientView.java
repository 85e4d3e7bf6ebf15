package io.exproto.gateway;

import java.net.InetSocketAddress;

/**
 * An authenticated client as management sees it.
 *
 * @param clientId the client id
 * @param username the username, possibly empty
 * @param conn the connection id
 * @param peer the client's address
 * @param listener the listener's name
 * @param connectedAtMillis when it authenticated, milliseconds since the epoch
 */
public record ClientView(String clientId, String username, String conn, InetSocketAddress peer,
    String listener, long connectedAtMillis) {}
