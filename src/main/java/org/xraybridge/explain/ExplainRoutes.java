package org.xraybridge.explain;

import java.util.Locale;
import java.util.function.LongFunction;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.Resource;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.xraybridge.model.IdCodec;
import reactor.core.publisher.Mono;

/**
 * The explain API and page (docs/explain.md), as WebFlux functional routes on the management port:
 *
 * <ul>
 *   <li>{@code GET /api/traces?limit=&service=&env=&joined=} — recorded traces, newest first ({@link ExplainView.TraceList})
 *   <li>{@code GET /api/traces/{traceId}} — one trace by Datadog decimal, 16/32-hex or X-Ray {@code 1-…} id
 *       ({@link ExplainView.Detail}); 400 on a malformed id, 404 when the trace is not recorded
 *   <li>{@code GET /} — the page; its script and style under {@code /explain/}
 * </ul>
 *
 * In kafka mode each replica records the traces of the partitions it handled: every API answer names
 * the replica ({@code X-Bridge-Replica}), and a trace it does not know is answered 404 with where its
 * halves meet (docs/cluster.md, "Finding a trace across replicas").
 *
 * <p>The page is served with a Content-Security-Policy that allows nothing but this origin: it has no
 * inline script and loads nothing from elsewhere (it must work air-gapped), and span tags it shows
 * are untrusted text written with {@code textContent} only.
 */
public final class ExplainRoutes {

  static final int DEFAULT_LIMIT = 50;
  static final String CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
  private static final Resource PAGE = new ClassPathResource("static/index.html");

  static final String REPLICA_HEADER = "X-Bridge-Replica";

  private final ExplainRecorder recorder;
  private final String replica;
  private final LongFunction<String> where;

  private ExplainRoutes(ExplainRecorder recorder, String replica, LongFunction<String> where) {
    this.recorder = recorder;
    this.replica = replica;
    this.where = where;
  }

  public static RouterFunction<ServerResponse> create(ExplainRecorder recorder) {
    return create(recorder, "", key -> "");
  }

  /**
   * @param replica this replica's name ({@code ""} in single mode: no header)
   * @param where for a trace key, where its halves meet across replicas ({@code ""} in single mode)
   */
  public static RouterFunction<ServerResponse> create(ExplainRecorder recorder, String replica, LongFunction<String> where) {
    ExplainRoutes h = new ExplainRoutes(recorder, replica, where);
    return RouterFunctions.route()
        .GET("/api/traces", h::list)
        .GET("/api/traces/{traceId}", h::one)
        .GET("/", h::page)
        .add(RouterFunctions.resources("/explain/**", new ClassPathResource("static/explain/")))
        .build();
  }

  private Mono<ServerResponse> list(ServerRequest req) {
    int limit;
    ExplainRecorder.Query.Joined joined;
    try {
      limit = limit(req.queryParam("limit").orElse(""));
      joined = joined(req.queryParam("joined").orElse(""));
    } catch (IllegalArgumentException e) {
      return problem(HttpStatus.BAD_REQUEST, "bad_parameter", e.getMessage());
    }
    ExplainRecorder.Query q = new ExplainRecorder.Query(limit, req.queryParam("service").orElse("").strip(),
        req.queryParam("env").orElse("").strip(), joined);
    return json(HttpStatus.OK, recorder.list(q));
  }

  private int limit(String text) {
    if (text.isBlank()) return DEFAULT_LIMIT;
    int n;
    try {
      n = Integer.parseInt(text.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("limit: expected a whole number from 1, got '" + shorten(text) + "'");
    }
    if (n < 1) throw new IllegalArgumentException("limit: expected a whole number from 1, got " + n);
    return Math.min(n, Math.max(1, recorder.maxTraces()));
  }

  private static ExplainRecorder.Query.Joined joined(String text) {
    return switch (text.strip().toLowerCase(Locale.ROOT)) {
      case "" -> ExplainRecorder.Query.Joined.ANY;
      case "true" -> ExplainRecorder.Query.Joined.YES;
      case "false" -> ExplainRecorder.Query.Joined.NO;
      default -> throw new IllegalArgumentException("joined: expected true or false, got '" + shorten(text) + "'");
    };
  }

  private Mono<ServerResponse> one(ServerRequest req) {
    String text = req.pathVariable("traceId");
    long[] readings;
    try {
      readings = IdCodec.traceIdReadings(text);
    } catch (IllegalArgumentException e) {
      return problem(HttpStatus.BAD_REQUEST, "malformed_trace_id", e.getMessage());
    }
    ExplainView.Detail d = recorder.findAny(readings);
    if (d == null) {
      String elsewhere = where.apply(readings[0] & 0x7FFF_FFFF_FFFF_FFFFL);
      return problem(HttpStatus.NOT_FOUND, "not_found", "trace " + Long.toUnsignedString(readings[0]) + " (from '" + shorten(text)
          + "') is not among the " + recorder.size() + " traces recorded; the view keeps the most recent bridge.explain.max-traces ("
          + recorder.maxTraces() + ") within bridge.explain.max-bytes" + (elsewhere.isEmpty() ? "" : "; " + elsewhere));
    }
    return json(HttpStatus.OK, d);
  }

  private Mono<ServerResponse> page(ServerRequest req) {
    return ServerResponse.ok()
        .contentType(MediaType.TEXT_HTML)
        .cacheControl(CacheControl.noCache())
        .header("Content-Security-Policy", CSP)
        .header("X-Content-Type-Options", "nosniff")
        .bodyValue(PAGE);
  }

  private Mono<ServerResponse> json(HttpStatus status, Object body) {
    ServerResponse.BodyBuilder b = ServerResponse.status(status).contentType(MediaType.APPLICATION_JSON).cacheControl(CacheControl.noStore());
    if (!replica.isEmpty()) b.header(REPLICA_HEADER, replica);
    return b.bodyValue(body);
  }

  private Mono<ServerResponse> problem(HttpStatus status, String code, String message) {
    return json(status, new ExplainView.Problem(code, message));
  }

  private static String shorten(String s) {
    return s.length() > 64 ? s.substring(0, 64) + "…" : s;
  }
}
