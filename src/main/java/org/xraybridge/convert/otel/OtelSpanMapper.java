package org.xraybridge.convert.otel;

import java.util.List;
import java.util.Map;
import org.xraybridge.convert.ConvertOptions;
import org.xraybridge.convert.JsonStrings;
import org.xraybridge.convert.otel.SpanRecord.Attribute;
import org.xraybridge.convert.otel.SpanRecord.Event;
import org.xraybridge.convert.otel.SpanRecord.Link;
import org.xraybridge.convert.otel.SpanRecord.Type;
import org.xraybridge.model.IdCodec;
import org.xraybridge.model.Names;
import org.xraybridge.model.Span;
import org.xraybridge.model.SpanLink;

/**
 * One validated {@code aws/spans} record → one span builder: name, resource, type, error and tags by
 * the table of docs/conversion.md §8, which follows the Datadog Agent's OTLP ingestion (V2 names) and
 * keeps what X-Ray adds. Ids, times, service and env are decided by the caller. Stateless, thread-safe.
 */
final class OtelSpanMapper {

  /** The Agent's {@code DefaultOTLPServiceName}. */
  static final String NO_SERVICE_NAME = "otlpresourcenoservicename";
  /** The Agent's {@code normalize.MaxResourceLen}. */
  static final int MAX_RESOURCE_CHARS = 5000;

  static final String ANNOTATIONS = "aws.xray.annotations";
  private static final String METADATA_PREFIX = "aws.xray.metadata.";
  private static final String ANNOTATION_PREFIX = "aws.xray.annotation.";
  /** Annotation keys that would overwrite a span's identity (as docs/conversion.md §5). */
  private static final java.util.Set<String> RESERVED = java.util.Set.of("env", "service", "version", "name", "resource");

  private final ConvertOptions options;

  OtelSpanMapper(ConvertOptions options) {
    this.options = options;
  }

  /** {@code service.name} (span, then resource) normalised, then {@code service-mapping}. */
  String service(SpanRecord r) {
    String raw = Otlp.lookup(r, "service.name");
    String normalised = Names.service(raw.isEmpty() ? NO_SERVICE_NAME : raw);
    String mapped = options.serviceMapping().get(normalised);
    return mapped == null ? normalised : Names.service(mapped);
  }

  Span.Builder map(
      SpanRecord r, int kind, long traceId, long spanId, long parentId, long start, long duration, String service,
      String env, String xrayTraceId, String otelTraceId, List<String> repairs) {
    Span.Builder b = Span.builder().traceId(traceId).spanId(spanId).parentId(parentId).startNanos(start).durationNanos(duration);
    b.service(service);
    String name = Names.operation(operationName(r, kind));
    b.name(name);
    String resource = resource(r, kind);
    if (resource.length() > MAX_RESOURCE_CHARS) resource = resource.substring(0, MAX_RESOURCE_CHARS);
    b.resource(resource.isEmpty() ? name : resource);
    b.type(type(r, kind));

    int status = Otlp.status(r.statusCode());
    b.putMeta("span.kind", Otlp.kindTag(kind));
    b.putMeta("env", env);
    b.putMeta("aws.xray.trace_id", xrayTraceId);
    b.putMeta("otel.trace_id", otelTraceId);
    b.putMeta("otel.status_code", Otlp.statusName(status));
    if (!r.statusMessage().isEmpty()) b.putMeta("otel.status_description", r.statusMessage());
    if (!r.scopeName().isEmpty()) b.putMeta("otel.library.name", r.scopeName());
    if (!r.scopeVersion().isEmpty()) b.putMeta("otel.library.version", r.scopeVersion());
    if (!r.traceState().isEmpty()) b.putMeta("w3c.tracestate", r.traceState());
    String statusCode = httpStatusCode(r);
    if (!statusCode.isEmpty()) b.putMeta("http.status_code", statusCode);

    boolean error = status == Otlp.STATUS_ERROR;
    b.error(error ? 1 : 0);
    events(b, r.events(), error);

    List<String> annotationKeys = annotationKeys(r);
    List<Attribute> attributes = r.attributes();
    for (int i = 0; i < attributes.size(); i++) {
      Attribute a = attributes.get(i);
      String key = a.key();
      if (a.type().scalar() && !annotationKeys.isEmpty() && annotationKeys.contains(key)) continue; // below
      if (key.startsWith(METADATA_PREFIX)) {
        metadata(b, a, repairs);
        continue;
      }
      attribute(b, a, true);
    }
    if (b.meta("version").isEmpty()) {
      String version = Otlp.lookup(r, "service.version");
      if (!version.isEmpty()) b.putMeta("version", version);
    }
    if (error && b.meta("error.message").isEmpty()) {
      if (!r.statusMessage().isEmpty()) {
        b.putMeta("error.message", r.statusMessage());
      } else if (!statusCode.isEmpty()) {
        String text = Otlp.statusText(parseCode(statusCode));
        b.putMeta("error.message", text.isEmpty() ? statusCode : statusCode + " " + text);
      }
    }
    List<Attribute> resourceAttributes = r.resourceAttributes();
    for (int i = 0; i < resourceAttributes.size(); i++) attribute(b, resourceAttributes.get(i), false);
    annotations(b, attributes, annotationKeys);
    if (b.meta("aws.xray.origin").isEmpty()) {
      String origin = origin(r);
      if (!origin.isEmpty()) b.putMeta("aws.xray.origin", origin);
    }
    if (b.meta("db.name").isEmpty()) {
      // the Agent reads db.namespace resource-first here (OtelSpanToDDSpan)
      Attribute ns = Otlp.find(r.resourceAttributes(), "db.namespace");
      if (ns == null || ns.text().isEmpty()) ns = Otlp.find(r.attributes(), "db.namespace");
      if (ns != null && !ns.text().isEmpty()) b.putMeta("db.name", ns.text());
    }
    links(b, r.links(), repairs);
    return b;
  }

  // ---- name, resource, type (the Agent's V2 rules) -------------------------------------------------

  /** {@code GetOTelOperationNameV2}; the caller applies the Agent's name normalisation. */
  static String operationName(SpanRecord r, int kind) {
    String op = Otlp.tagValue(Otlp.lookup(r, "operation.name"));
    if (!op.isEmpty()) return op;
    boolean client = kind == Otlp.CLIENT;
    boolean server = kind == Otlp.SERVER;
    if (!Otlp.lookup(r, "http.request.method", "http.method").isEmpty()) {
      if (server) return "http.server.request";
      if (client) return "http.client.request";
    }
    String db = Otlp.tagValue(Otlp.lookup(r, "db.system.name", "db.system"));
    if (!db.isEmpty() && client) return db + ".query";
    String system = Otlp.tagValue(Otlp.lookup(r, "messaging.system"));
    String operation = Otlp.tagValue(Otlp.lookup(r, "messaging.operation"));
    if (!system.isEmpty() && !operation.isEmpty() && kind >= Otlp.SERVER) return system + "." + operation;
    String rpc = Otlp.tagValue(Otlp.lookup(r, "rpc.system"));
    if (!rpc.isEmpty()) {
      if (client && rpc.equals("aws-api")) {
        String service = Otlp.tagValue(Otlp.lookup(r, "rpc.service"));
        return service.isEmpty() ? "aws.client.request" : "aws." + service + ".request";
      }
      if (client) return rpc + ".client.request";
      if (server) return rpc + ".server.request";
    }
    String provider = Otlp.tagValue(Otlp.lookup(r, "faas.invoked_provider"));
    String invoked = Otlp.tagValue(Otlp.lookup(r, "faas.invoked_name"));
    if (!provider.isEmpty() && !invoked.isEmpty() && client) return provider + "." + invoked + ".invoke";
    String trigger = Otlp.tagValue(Otlp.lookup(r, "faas.trigger"));
    if (!trigger.isEmpty() && server) return trigger + ".invoke";
    if (!Otlp.tagValue(Otlp.lookup(r, "graphql.operation.type")).isEmpty()) return "graphql.server.request";
    String protocol = Otlp.tagValue(Otlp.lookup(r, "network.protocol.name"));
    if (server) return protocol.isEmpty() ? "server.request" : protocol + ".server.request";
    if (client) return protocol.isEmpty() ? "client.request" : protocol + ".client.request";
    return Otlp.kindName(kind == Otlp.UNSPECIFIED ? Otlp.INTERNAL : kind);
  }

  /** {@code GetOTelResourceV2}. */
  static String resource(SpanRecord r, int kind) {
    String v = Otlp.lookup(r, "resource.name");
    if (!v.isEmpty()) return v;
    String method = Otlp.lookup(r, "http.request.method", "http.method");
    if (!method.isEmpty()) {
      if (method.equals("_OTHER")) method = "HTTP";
      if (kind == Otlp.SERVER) {
        String route = Otlp.lookup(r, "http.route");
        if (!route.isEmpty()) return method + " " + route;
      }
      return method;
    }
    String operation = Otlp.lookup(r, "messaging.operation");
    if (!operation.isEmpty()) {
      String destination = Otlp.lookup(r, "messaging.destination", "messaging.destination.name");
      return destination.isEmpty() ? operation : operation + " " + destination;
    }
    String rpcMethod = Otlp.lookup(r, "rpc.method");
    if (!rpcMethod.isEmpty()) {
      String rpcService = Otlp.lookup(r, "rpc.service");
      return rpcService.isEmpty() ? rpcMethod : rpcMethod + " " + rpcService;
    }
    String graphql = Otlp.lookup(r, "graphql.operation.type");
    if (!graphql.isEmpty()) {
      String operationName = Otlp.lookup(r, "graphql.operation.name");
      return operationName.isEmpty() ? graphql : graphql + " " + operationName;
    }
    if (!Otlp.lookup(r, "db.system.name", "db.system").isEmpty()) {
      String statement = Otlp.lookup(r, "db.statement", "db.query.text");
      if (!statement.isEmpty()) return statement;
    }
    return r.name();
  }

  /** {@code GetOTelSpanType}. */
  static String type(SpanRecord r, int kind) {
    String v = Otlp.lookup(r, "span.type");
    if (!v.isEmpty()) return v;
    if (kind == Otlp.SERVER) return "web";
    if (kind == Otlp.CLIENT) {
      String db = Otlp.tagValue(Otlp.lookup(r, "db.system.name", "db.system"));
      return db.isEmpty() ? "http" : Otlp.dbType(db);
    }
    return "custom";
  }

  // ---- tags ------------------------------------------------------------------------------------

  /** {@code http.response.status_code}, then {@code http.status_code}: span attributes, then resource. */
  private static String httpStatusCode(SpanRecord r) {
    Attribute a = Otlp.find(r.attributes(), "http.response.status_code");
    if (a == null) a = Otlp.find(r.attributes(), "http.status_code");
    if (a == null) a = Otlp.find(r.resourceAttributes(), "http.response.status_code");
    if (a == null) a = Otlp.find(r.resourceAttributes(), "http.status_code");
    if (a == null || !a.type().scalar() || a.type() == Type.BOOL) return "";
    String t = a.text().strip();
    if (a.type() == Type.DOUBLE || t.indexOf('.') >= 0 || t.indexOf('e') >= 0 || t.indexOf('E') >= 0) {
      try {
        double d = Double.parseDouble(t);
        if (d == Math.rint(d) && Math.abs(d) < 1e9) return Long.toString((long) d);
      } catch (NumberFormatException e) {
        return t;
      }
    }
    return t;
  }

  /** An event's {@code timeUnixNano} in nanoseconds; 0 (left out) when it is none or no whole number of them. */
  private static long eventTime(String text) {
    if (text.isEmpty()) return 0;
    try {
      return Nanos.parse(text);
    } catch (Nanos.NotANumber | Nanos.OutOfRange e) {
      return 0;
    }
  }

  private static int parseCode(String text) {
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * Meta {@code events} (the Agent's {@code MarshalEvents}), {@code _dd.span_events.has_exception}, and
   * on an error span {@code error.type}/{@code error.message}/{@code error.stack} from the first
   * {@code exception} event.
   */
  private static void events(Span.Builder b, List<Event> events, boolean error) {
    if (events.isEmpty()) return;
    StringBuilder json = new StringBuilder(128);
    json.append('[');
    Event exception = null;
    for (int i = 0; i < events.size(); i++) {
      Event e = events.get(i);
      if (exception == null && e.name().equalsIgnoreCase("exception")) exception = e;
      if (i > 0) json.append(',');
      json.append('{');
      boolean wrote = false;
      long time = eventTime(e.time());
      if (time > 0) {
        json.append("\"time_unix_nano\":").append(time); // a number parsed, never the text: the JSON stays JSON
        wrote = true;
      }
      if (!e.name().isEmpty()) {
        if (wrote) json.append(',');
        json.append("\"name\":");
        JsonStrings.quote(e.name(), json);
        wrote = true;
      }
      List<Attribute> attributes = e.attributes();
      if (!attributes.isEmpty()) {
        if (wrote) json.append(',');
        json.append("\"attributes\":{");
        for (int j = 0; j < attributes.size(); j++) {
          if (j > 0) json.append(',');
          JsonStrings.quote(attributes.get(j).key(), json);
          json.append(':');
          jsonValue(attributes.get(j), json);
        }
        json.append('}');
      }
      json.append('}');
    }
    json.append(']');
    b.putMeta("events", json.toString());
    if (exception == null) return;
    b.putMeta("_dd.span_events.has_exception", "true");
    if (!error) return;
    List<Attribute> attributes = exception.attributes();
    Attribute type = Otlp.find(attributes, "exception.type");
    Attribute message = Otlp.find(attributes, "exception.message");
    Attribute stack = Otlp.find(attributes, "exception.stacktrace");
    if (type != null) b.putMeta("error.type", type.text());
    if (message != null) b.putMeta("error.message", message.text());
    if (stack != null) b.putMeta("error.stack", stack.text());
  }

  /** The keys {@code aws.xray.annotations} lists (X-Ray annotations; each is also a plain attribute). */
  private static List<String> annotationKeys(SpanRecord r) {
    Attribute a = Otlp.find(r.attributes(), ANNOTATIONS);
    return a == null ? List.of() : a.items();
  }

  /**
   * One attribute by the Agent's {@code conditionallyMapOTLPAttributeToMeta/Metric}: the key through
   * {@link #ddKey}; span numbers to metrics, everything else (and every resource attribute) to meta as
   * text; a key already set is not overwritten.
   */
  private static void attribute(Span.Builder b, Attribute a, boolean span) {
    String key = ddKey(a.key());
    if (key.isEmpty()) return;
    if (span && a.type().numeric()) {
      if (b.metric(key) != null) return;
      double v;
      try {
        v = Double.parseDouble(a.text());
      } catch (NumberFormatException e) {
        return;
      }
      if (Double.isFinite(v)) b.putMetric(key, v);
      return;
    }
    if (b.meta(key).isEmpty()) b.putMeta(key, a.text());
  }

  /**
   * The Agent's {@code GetDDKeyForOTLPAttribute}: OTel HTTP keys become Datadog's
   * ({@code attributes.HTTPMappings}), {@code http.request.header.X} becomes
   * {@code http.request.headers.X}; the keys that set a span field, and the status code keys this
   * mapping writes itself, give {@code ""} (not copied).
   */
  static String ddKey(String key) {
    return switch (key) {
      case "service.name", "operation.name", "resource.name", "span.type", "http.response.status_code", "http.status_code" -> "";
      case "client.address" -> "http.client_ip";
      case "http.response.body.size" -> "http.response.content_length";
      case "http.request.body.size" -> "http.request.content_length";
      case "http.request.header.referrer" -> "http.referrer";
      case "http.request.method" -> "http.method";
      case "network.protocol.version" -> "http.version";
      case "server.address" -> "http.server_name";
      case "url.full" -> "http.url";
      case "user_agent.original" -> "http.useragent";
      default -> key.startsWith("http.request.header.") ? "http.request.headers." + key.substring(20) : key;
    };
  }

  /** {@code aws.xray.metadata.<ns>}: kept as it is, cut to {@link ConvertOptions#MAX_METADATA_CHARS} as §5 cuts X-Ray metadata. */
  private void metadata(Span.Builder b, Attribute a, List<String> repairs) {
    if (!b.meta(a.key()).isEmpty()) return;
    String text = a.text();
    if (text.length() > ConvertOptions.MAX_METADATA_CHARS) {
      text = text.substring(0, ConvertOptions.MAX_METADATA_CHARS);
      repairs.add("metadata_truncated");
    }
    b.putMeta(a.key(), text);
  }

  /**
   * X-Ray annotations as docs/conversion.md §5 maps them: string or boolean → meta, number → metric,
   * under {@code aws.xray.annotation.<k>} when {@code k} is reserved or already a tag of the span.
   */
  private static void annotations(Span.Builder b, List<Attribute> attributes, List<String> keys) {
    for (int i = 0; i < keys.size(); i++) {
      String k = keys.get(i);
      if (keys.indexOf(k) != i) continue; // listed twice
      Attribute a = Otlp.find(attributes, k);
      if (a == null || !a.type().scalar()) continue;
      String key = RESERVED.contains(k) || !b.meta(k).isEmpty() || b.metric(k) != null ? ANNOTATION_PREFIX + k : k;
      if (a.type().numeric()) {
        try {
          double v = Double.parseDouble(a.text());
          if (Double.isFinite(v)) b.putMetric(key, v);
        } catch (NumberFormatException e) {
          // a JSON number always parses; nothing to keep otherwise
        }
      } else {
        b.putMeta(key, a.text());
      }
    }
  }

  /**
   * The X-Ray origin the span's platform names: {@code PlatformType} when it is an X-Ray origin
   * ({@code AWS::…}), else {@code cloud.platform} mapped as the OTel Collector's X-Ray exporter maps it
   * ({@code determineAwsOrigin}) plus {@code aws_lambda} → {@code AWS::Lambda::Function}; only when
   * {@code cloud.provider} is absent or {@code aws}.
   */
  static String origin(SpanRecord r) {
    String platformType = Otlp.lookup(r, "PlatformType");
    if (platformType.startsWith("AWS::")) return platformType;
    String provider = Otlp.lookup(r, "cloud.provider");
    if (!provider.isEmpty() && !provider.equals("aws")) return "";
    return switch (Otlp.lookup(r, "cloud.platform")) {
      case "aws_ec2" -> "AWS::EC2::Instance";
      case "aws_ecs" -> switch (Otlp.lookup(r, "aws.ecs.launchtype")) {
        case "ec2" -> "AWS::ECS::EC2";
        case "fargate" -> "AWS::ECS::Fargate";
        default -> "AWS::ECS::Container";
      };
      case "aws_eks" -> "AWS::EKS::Container";
      case "aws_elastic_beanstalk" -> "AWS::ElasticBeanstalk::Environment";
      case "aws_app_runner" -> "AWS::AppRunner::Service";
      case "aws_lambda" -> "AWS::Lambda::Function";
      default -> "";
    };
  }

  /** {@code links[]} → span links as §3 maps X-Ray links: the trace id by the id codec, {@code trace_id_high} 0. */
  private static void links(Span.Builder b, List<Link> links, List<String> repairs) {
    for (int i = 0; i < links.size(); i++) {
      Link l = links.get(i);
      try {
        long trace = IdCodec.datadogTraceId(SpanIds.xrayTraceId(l.traceId()));
        long span = IdCodec.parseHex64(l.spanId(), "link spanId");
        Map<String, String> attributes = new java.util.LinkedHashMap<>();
        for (Attribute a : l.attributes()) attributes.put(a.key(), a.text());
        b.addSpanLink(new SpanLink(trace, 0, span, attributes, l.traceState(), 0));
      } catch (IllegalArgumentException e) {
        repairs.add("bad_link");
      }
    }
  }

  /** An attribute's value as JSON: strings quoted, everything else already JSON text. */
  private static void jsonValue(Attribute a, StringBuilder out) {
    if (a.type() == Type.STRING) {
      JsonStrings.quote(a.text(), out);
    } else {
      out.append(a.text());
    }
  }
}
