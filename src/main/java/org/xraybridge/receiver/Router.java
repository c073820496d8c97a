package org.xraybridge.receiver;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.reactivestreams.Publisher;
import org.xraybridge.receiver.ReceiverMetrics.Refusal;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * Maps a request's path and method to its handler. Before any route, a browser's cross-site request
 * is answered 403, as the Agent does; a path no route matches goes to the fallback (the pass-through),
 * else is answered 404; a known path with the wrong method is answered 405 with {@code Allow}, each
 * after reading the body so the connection stays usable. Routes
 * are added before the server starts; routing is then read-only and thread-safe.
 */
final class Router {

  /** Answers one request. */
  @FunctionalInterface
  interface Handler {
    Publisher<Void> handle(HttpServerRequest req, HttpServerResponse res);
  }

  /** A path (or, for a prefix route, the path and everything under it) with its methods; none means any. */
  private record Route(String path, List<HttpMethod> methods, String allow, Handler handler) {
    boolean allows(HttpMethod method) {
      return methods.isEmpty() || methods.contains(method);
    }
  }

  private final Map<String, Route> exact = new HashMap<>();
  private final List<Route> prefixes = new ArrayList<>();
  private final Answers answers;
  private final Outcomes outcomes;
  private Handler fallback;

  Router(Answers answers, Outcomes outcomes) {
    this.answers = answers;
    this.outcomes = outcomes;
  }

  /** {@code path} exactly, with one of {@code methods}. */
  Router exact(String path, Handler handler, HttpMethod... methods) {
    exact.put(path, route(path, handler, methods));
    return this;
  }

  /** {@code path} and every path under it ({@code path/…}), with one of {@code methods} (any when none). */
  Router prefix(String path, Handler handler, HttpMethod... methods) {
    prefixes.add(route(path, handler, methods));
    return this;
  }

  /** Every path no route matches (without it: 404). */
  Router fallback(Handler handler) {
    fallback = handler;
    return this;
  }

  Publisher<Void> handle(HttpServerRequest req, HttpServerResponse res) {
    outcomes.metrics().incrementRequests();
    if ("cross-site".equalsIgnoreCase(req.requestHeaders().get("Sec-Fetch-Site"))) {
      outcomes.metrics().requestRefused(Refusal.FORBIDDEN);
      return refuse(req, res, Reply.text(HttpResponseStatus.FORBIDDEN, "Forbidden: cross-site requests are refused\n"));
    }
    Route route = find(req.fullPath());
    if (route == null && fallback != null) return fallback.handle(req, res);
    if (route == null) {
      outcomes.metrics().requestRefused(Refusal.NOT_FOUND);
      return refuse(req, res, Reply.text(HttpResponseStatus.NOT_FOUND, "404 page not found\n"));
    }
    if (!route.allows(req.method())) {
      outcomes.metrics().requestRefused(Refusal.NOT_FOUND);
      res.header(HttpHeaderNames.ALLOW, route.allow());
      return refuse(req, res, Reply.text(HttpResponseStatus.METHOD_NOT_ALLOWED, "Method not allowed: use " + route.allow() + "\n"));
    }
    return route.handler().handle(req, res);
  }

  private Route find(String path) {
    Route r = exact.get(path);
    if (r != null) return r;
    for (int i = 0; i < prefixes.size(); i++) {
      Route p = prefixes.get(i);
      if (path.equals(p.path()) || path.startsWith(p.path()) && path.charAt(p.path().length()) == '/') return p;
    }
    return null;
  }

  private Publisher<Void> refuse(HttpServerRequest req, HttpServerResponse res, Reply reply) {
    return answers.drainThen(req, res, () -> answers.send(res, reply));
  }

  private static Route route(String path, Handler handler, HttpMethod... methods) {
    List<String> names = new ArrayList<>();
    for (HttpMethod m : methods) names.add(m.name());
    return new Route(path, List.of(methods), String.join(", ", names), handler);
  }
}
