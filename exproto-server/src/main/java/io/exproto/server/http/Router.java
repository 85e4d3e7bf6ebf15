package io.exproto.server.http;

import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * Routes requests by method and path template ({@code /clients/{clientid}}: a {@code {name}}
 * segment matches one percent-decoded path segment, so {@code %2F} inside it is a slash of the
 * value, not of the path). Built once, then read-only and thread-safe.
 */
final class Router {

  /** Handles one matched request. */
  @FunctionalInterface
  interface Handler {
    CompletionStage<Response> handle(Request request) throws Exception;
  }

  private record Route(String method, String[] segments, Handler handler) {}

  private final List<Route> routes = new ArrayList<>();

  Router add(String method, String template, Handler handler) {
    routes.add(new Route(method, split(template), handler));
    return this;
  }

  /** The outcome of a lookup: a handler with its path parameters, or why none. */
  record Match(Handler handler, Map<String, String> params, Set<String> allowed) {}

  Match match(String method, String rawPath) {
    String[] segs = split(rawPath);
    Set<String> allowed = new LinkedHashSet<>();
    for (Route r : routes) {
      Map<String, String> params = matchSegments(r.segments, segs);
      if (params == null) {
        continue;
      }
      if (r.method.equals(method) || (method.equals("HEAD") && r.method.equals("GET"))) {
        return new Match(r.handler, params, allowed);
      }
      allowed.add(r.method);
    }
    return new Match(null, Map.of(), allowed);
  }

  private static Map<String, String> matchSegments(String[] template, String[] path) {
    if (template.length != path.length) {
      return null;
    }
    Map<String, String> params = new HashMap<>(4);
    for (int i = 0; i < template.length; i++) {
      String t = template[i];
      if (t.startsWith("{") && t.endsWith("}")) {
        String v = QueryStringDecoder.decodeComponent(path[i], StandardCharsets.UTF_8);
        if (v.isEmpty()) {
          return null;
        }
        params.put(t.substring(1, t.length() - 1), v);
      } else if (!t.equals(path[i])) {
        return null;
      }
    }
    return params;
  }

  private static String[] split(String path) {
    String p = path;
    while (p.length() > 1 && p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    if (p.equals("/") || p.isEmpty()) {
      return new String[0];
    }
    return (p.startsWith("/") ? p.substring(1) : p).split("/", -1);
  }
}
