package org.xraybridge.convert;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.xraybridge.convert.Segment.Entry;
import org.xraybridge.convert.Segment.Frame;
import org.xraybridge.convert.Segment.Http;
import org.xraybridge.convert.Segment.Kind;
import org.xraybridge.convert.Segment.Link;
import org.xraybridge.convert.Segment.XException;
import org.xraybridge.model.IdCodec;
import org.xraybridge.model.Names;
import org.xraybridge.model.Span;
import org.xraybridge.model.SpanLink;

/**
 * One (sub)segment → its span: name, resource and type by the table of docs/conversion.md §4, tags
 * and errors by §5. Ids, times, service and version come decided in the {@link Placement}; the
 * trace's ids and env from the {@link TraceContext}. Stateless and thread-safe.
 */
final class SpanMapper {

  private static final String KIND_SERVER = "server";
  private static final String KIND_CLIENT = "client";
  private static final String KIND_INTERNAL = "internal";

  /** On every span of a trace X-Ray cut at its trace size limit (docs/conversion.md §1). */
  static final String LIMIT_EXCEEDED = "aws.xray.limit_exceeded";

  /** Annotation keys that would overwrite a span's identity; they go to {@code aws.xray.annotation.<k>}. */
  private static final Set<String> RESERVED = Set.of("env", "service", "version", "name", "resource");

  /** Operation names of aws subsegments, by raw name: they repeat endlessly, build each once (bounded). */
  private static final ConcurrentHashMap<String, String> AWS_OPERATIONS = new ConcurrentHashMap<>();

  Span.Builder map(Segment s, Placement p, TraceContext trace) {
    Span.Builder b =
        Span.builder().traceId(trace.traceId()).spanId(p.spanId()).parentId(p.parentId()).startNanos(p.startNanos())
            .durationNanos(p.durationNanos());
    b.service(p.service());
    String rawName = p.name();
    String kind = name(b, s, rawName, p.isSegment());
    b.putMeta("span.kind", kind);
    b.putMeta("env", trace.env());
    b.putMeta("aws.xray.trace_id", trace.xrayTraceId());
    if (trace.limitExceeded()) b.putMeta(LIMIT_EXCEEDED, "true");
    b.putMeta("aws.xray.name", rawName);
    if (!s.origin().isEmpty()) b.putMeta("aws.xray.origin", s.origin());
    if (!s.namespace().isEmpty()) b.putMeta("aws.xray.namespace", s.namespace());
    if (!s.resourceArn().isEmpty()) b.putMeta("aws.xray.resource_arn", s.resourceArn());
    if (!p.version().isEmpty()) b.putMeta("version", p.version());
    if (!s.user().isEmpty()) b.putMeta("usr.id", s.user());
    if (s.inferred()) b.putMeta("aws.xray.inferred", "true");

    httpTags(b, s.http(), s, p.isSegment());
    awsTags(b, s.aws());
    sqlTags(b, s.sql());
    List<Entry> serviceBlock = s.service();
    for (int i = 0; i < serviceBlock.size(); i++) {
      Entry e = serviceBlock.get(i);
      if (!e.key().equals("version")) b.putMeta(key("aws.xray.service.", e.key()), e.text());
    }
    List<Entry> metadata = s.metadata();
    for (int i = 0; i < metadata.size(); i++) {
      Entry e = metadata.get(i);
      String json = e.text();
      if (json.length() > ConvertOptions.MAX_METADATA_CHARS) {
        json = json.substring(0, ConvertOptions.MAX_METADATA_CHARS);
        trace.repaired("metadata_truncated");
      }
      b.putMeta(key("aws.xray.metadata.", e.key()), json);
    }
    if (!s.precursorIds().isEmpty()) b.putMeta("aws.xray.precursor_ids", String.join(",", s.precursorIds()));
    links(b, s.links(), trace);
    b.error(error(b, s, kind, trace));
    annotations(b, s.annotations());
    return b;
  }

  /** Name, resource and type by the first row of the §4 table that matches; returns the span kind. */
  private static String name(Span.Builder b, Segment s, String rawName, boolean isSegment) {
    Http http = s.http();
    if (isSegment) {
      switch (s.origin()) {
        case "AWS::Lambda" -> b.name("aws.lambda").resource(rawName).type("serverless");
        case "AWS::Lambda::Function" -> b.name("aws.lambda.function").resource(rawName).type("serverless");
        case "AWS::ApiGateway::Stage" -> b.name("aws.apigateway").resource(httpResource(http, rawName)).type("web");
        default -> {
          if (http.hasRequest()) {
            b.name("http.server.request").resource(httpResource(http, rawName)).type("web");
          } else {
            b.name("xray.segment").resource(rawName).type("custom");
          }
        }
      }
      return KIND_SERVER;
    }
    if (!s.sql().isEmpty()) {
      String dbType = text(s.sql(), "database_type");
      b.name(Names.operation(dbType.isEmpty() ? "sql.query" : dbType.toLowerCase(Locale.ROOT) + ".query"));
      String query = text(s.sql(), "sanitized_query");
      String instance = Urls.dbInstance(text(s.sql(), "url"));
      b.resource(!query.isEmpty() ? query : !instance.isEmpty() ? instance : rawName).type("sql");
      return KIND_CLIENT;
    }
    if ("aws".equals(s.namespace())) {
      b.name(awsOperation(rawName));
      String operation = text(s.aws(), "operation");
      b.resource(operation.isEmpty() ? rawName : rawName + "." + operation).type("http");
      return KIND_CLIENT;
    }
    if ("remote".equals(s.namespace()) || http.present()) {
      b.name("http.client.request").resource(http.hasRequest() ? httpResource(http, rawName) : rawName).type("http");
      return KIND_CLIENT;
    }
    b.name(Names.operation(rawName)).resource(rawName).type("custom");
    return KIND_INTERNAL;
  }

  /** The §5 error flags as meta, and {@code error}: a server-side {@code error} alone is a 4xx, not a Datadog error. */
  private static int error(Span.Builder b, Segment s, String kind, TraceContext trace) {
    if (s.fault().present()) b.putMeta("aws.xray.fault", s.fault().text());
    if (s.error().present()) b.putMeta("aws.xray.error", s.error().text());
    if (s.throttle().present()) b.putMeta("aws.xray.throttle", s.throttle().text());
    boolean error = s.fault().isTrue() || s.throttle().isTrue() || (KIND_CLIENT.equals(kind) && s.error().isTrue());
    switch (s.cause().kind()) {
      case OBJECT -> {
        error = true;
        if (!s.cause().exceptions().isEmpty()) errorTags(b, s.cause().exceptions().get(0));
      }
      case REFERENCE -> {
        error = true;
        String ref = s.cause().referenceId();
        b.putMeta("aws.xray.cause_id", ref);
        XException e = trace.exception(ref);
        if (e != null) errorTags(b, e);
      }
      case MALFORMED -> trace.repaired("malformed_cause");
      case NONE -> {}
    }
    return error ? 1 : 0;
  }

  private static void httpTags(Span.Builder b, Http http, Segment s, boolean isSegment) {
    if (!http.method().isEmpty()) b.putMeta("http.method", http.method());
    if (!http.url().isEmpty()) {
      b.putMeta("http.url", http.url());
      if (!isSegment) {
        String host = Urls.host(http.url());
        if (!host.isEmpty()) b.putMeta("peer.hostname", host);
      }
    }
    if (!http.userAgent().isEmpty()) b.putMeta("http.useragent", http.userAgent());
    if (!http.clientIp().isEmpty()) b.putMeta("http.client_ip", http.clientIp());
    if (http.xForwardedFor().present()) b.putMeta("aws.xray.x_forwarded_for", http.xForwardedFor().text());
    if (http.traced().present()) {
      b.putMeta("aws.xray.traced", http.traced().text());
    } else if (s.traced().present()) {
      b.putMeta("aws.xray.traced", s.traced().text());
    }
    if (!http.status().isEmpty()) b.putMeta("http.status_code", integerText(http.status()));
    if (!http.contentLength().isEmpty()) {
      Double v = number(http.contentLength());
      if (v != null) b.putMetric("http.response.content_length", v);
    }
  }

  /**
   * {@code 200} for {@code 200}, {@code 200.0} or {@code 2e2} (docs/conversion.md §5: integer text, as
   * tracers write it); anything that is no whole number of at most six digits stays as written (and
   * is never expanded: {@code 1e300000000} would be a billion digits).
   */
  static String integerText(String number) {
    if (allDigits(number)) return number; // the usual 200: no parse
    try {
      BigDecimal d = new BigDecimal(number);
      if (d.precision() - d.scale() > 6) return number;
      BigDecimal whole = d.stripTrailingZeros();
      return whole.scale() <= 0 ? whole.toBigIntegerExact().toString() : number;
    } catch (NumberFormatException | ArithmeticException e) {
      return number;
    }
  }

  private static boolean allDigits(String s) {
    for (int i = 0; i < s.length(); i++) if (s.charAt(i) < '0' || s.charAt(i) > '9') return false;
    return !s.isEmpty();
  }

  private static void awsTags(Span.Builder b, List<Entry> aws) {
    for (int i = 0; i < aws.size(); i++) {
      Entry e = aws.get(i);
      String key = e.key();
      if (key.equals("retries")) {
        Double v = number(e.text());
        if (v != null) {
          b.putMetric("aws.retries", v);
          continue;
        }
      }
      b.putMeta(awsKey(key), e.text());
    }
  }

  private static String awsKey(String key) {
    return switch (key) {
      case "ec2.instance_id" -> "host.id";
      case "ecs.container_id", "eks.container_id" -> "container_id";
      case "eks.pod" -> "pod_name";
      case "eks.cluster_name" -> "kube_cluster_name";
      case "elastic_beanstalk.environment_name" -> "aws.elastic_beanstalk.environment";
      default -> key("aws.", key);
    };
  }

  private static void sqlTags(Span.Builder b, List<Entry> sql) {
    for (int i = 0; i < sql.size(); i++) {
      Entry e = sql.get(i);
      switch (e.key()) {
        case "database_type" -> b.putMeta("db.type", e.text());
        case "url" -> {
          b.putMeta("aws.xray.sql.url", e.text());
          String instance = Urls.dbInstance(e.text());
          if (!instance.isEmpty()) b.putMeta("db.instance", instance);
        }
        case "user" -> b.putMeta("db.user", e.text());
        case "database_version" -> b.putMeta("db.version", e.text());
        case "sanitized_query" -> b.putMeta("sql.query", e.text());
        default -> b.putMeta(key("aws.xray.sql.", e.key()), e.text());
      }
    }
  }

  private static void annotations(Span.Builder b, List<Entry> annotations) {
    for (int i = 0; i < annotations.size(); i++) {
      Entry e = annotations.get(i);
      String key = e.key();
      if (RESERVED.contains(key) || !b.meta(key).isEmpty() || b.metric(key) != null) {
        key = key("aws.xray.annotation.", key);
      }
      if (e.kind() == Kind.NUMBER) {
        Double v = number(e.text());
        if (v != null) b.putMetric(key, v);
      } else {
        b.putMeta(key, e.text());
      }
    }
  }

  private static void links(Span.Builder b, List<Link> links, TraceContext trace) {
    for (int i = 0; i < links.size(); i++) {
      Link l = links.get(i);
      try {
        long traceId = IdCodec.datadogTraceId(l.traceId());
        long spanId = IdCodec.parseHex64(l.id(), "link id");
        Map<String, String> attributes = new LinkedHashMap<>();
        for (Entry e : l.attributes()) attributes.put(e.key(), e.text());
        b.addSpanLink(new SpanLink(traceId, 0, spanId, attributes, "", 0));
      } catch (IllegalArgumentException e) {
        trace.repaired("bad_link");
      }
    }
  }

  /** {@code error.type}, {@code error.message}, {@code error.stack} from one exception. */
  private static void errorTags(Span.Builder b, XException e) {
    if (!e.type().isEmpty()) b.putMeta("error.type", e.type());
    if (!e.message().isEmpty()) b.putMeta("error.message", e.message());
    String head = !e.type().isEmpty() && !e.message().isEmpty() ? e.type() + ": " + e.message()
        : !e.type().isEmpty() ? e.type() : e.message();
    if (head.isEmpty() && e.stack().isEmpty()) return;
    StringBuilder stack = new StringBuilder(head);
    List<Frame> frames = e.stack();
    for (int i = 0; i < frames.size(); i++) {
      Frame f = frames.get(i);
      stack.append("\n\tat ").append(f.label()).append('(').append(f.path());
      if (!f.line().isEmpty()) stack.append(':').append(f.line());
      stack.append(')');
    }
    b.putMeta("error.stack", stack.toString());
  }

  // ---- small text helpers ----------------------------------------------------------------------

  private static String key(String prefix, String key) {
    return JoinedKeys.join(prefix, key);
  }

  /** {@code aws.<name lower-case>.request}, normalised, once per distinct subsegment name. */
  private static String awsOperation(String rawName) {
    ConcurrentHashMap<String, String> byName = AWS_OPERATIONS;
    String op = byName.get(rawName);
    if (op != null) return op;
    op = Names.operation("aws." + rawName.toLowerCase(Locale.ROOT) + ".request");
    if (byName.size() > 4096) byName.clear();
    byName.put(rawName, op);
    return op;
  }

  /** R_http: {@code METHOD path}, or what of it there is, or {@code fallback}. */
  private static String httpResource(Http http, String fallback) {
    String method = http.method();
    String path = http.url().isEmpty() ? "" : Urls.path(http.url());
    if (!method.isEmpty() && !path.isEmpty()) return method + " " + path;
    if (!path.isEmpty()) return path;
    if (!method.isEmpty()) return method;
    return fallback;
  }

  private static String text(List<Entry> entries, String key) {
    for (int i = 0; i < entries.size(); i++) {
      Entry e = entries.get(i);
      if (e.key().equals(key)) return e.kind() == Kind.JSON ? "" : e.text();
    }
    return "";
  }

  private static Double number(String text) {
    try {
      double v = Double.parseDouble(text.strip());
      return Double.isFinite(v) ? v : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
