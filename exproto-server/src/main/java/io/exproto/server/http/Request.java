package io.exproto.server.http;

import java.util.List;
import java.util.Map;

/**
 * A request as a route sees it.
 *
 * @param method upper case, e.g. {@code GET}
 * @param path the raw path, without the query
 * @param params path parameters, percent-decoded
 * @param query query parameters, decoded
 * @param body the body, possibly empty
 */
record Request(String method, String path, Map<String, String> params,
    Map<String, List<String>> query, byte[] body) {

  String param(String name) {
    return params.get(name);
  }

  /** The last value of a query parameter, or null. */
  String query(String name) {
    List<String> v = query.get(name);
    return v == null || v.isEmpty() ? null : v.get(v.size() - 1);
  }
}
