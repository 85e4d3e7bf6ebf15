package io.exproto.server.http;

import java.nio.charset.StandardCharsets;

/**
 * A response: status, content type and body bytes ({@code body} null = no content).
 *
 * @param status HTTP status
 * @param contentType the Content-Type, or null without a body
 * @param body the body, or null
 */
record Response(int status, String contentType, byte[] body) {
  static final String JSON = "application/json; charset=utf-8";

  static Response noContent() {
    return new Response(204, null, null);
  }

  static Response text(int status, String contentType, String text) {
    return new Response(status, contentType, text.getBytes(StandardCharsets.UTF_8));
  }
}
