package org.xraybridge.demo;

import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * What an emulated Transaction Search account writes to {@code aws/spans} for a segment document: one
 * OpenTelemetry span record per segment and subsegment, in the shape AWS documents for the group
 * (docs/conversion.md §8.1). AWS does not publish how X-Ray turns a segment into a span, so this is the
 * emulator's own reading, after the OTel Collector's X-Ray translators: the W3C trace id is the X-Ray
 * id without {@code 1-} and dash; a segment is a {@code SERVER} span of service {@code name}, an
 * {@code aws} or {@code remote} subsegment a {@code CLIENT} span, others {@code INTERNAL}; HTTP fields
 * become {@code http.request.method}, {@code url.full}, {@code http.response.status_code}; AWS calls
 * {@code rpc.system=aws-api}, {@code rpc.service}, {@code rpc.method}; annotations become attributes of
 * their own name, listed in {@code aws.xray.annotations}; the origin becomes {@code cloud.platform};
 * {@code fault}/{@code error} an {@code ERROR} status, a cause's exceptions {@code exception} events.
 */
final class SegmentSpans {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final Map<String, String> PLATFORMS = Map.of(
      "AWS::EC2::Instance", "aws_ec2",
      "AWS::ECS::Container", "aws_ecs",
      "AWS::EKS::Container", "aws_eks",
      "AWS::Lambda::Function", "aws_lambda",
      "AWS::ElasticBeanstalk::Environment", "aws_elastic_beanstalk",
      "AWS::ApiGateway::Stage", "aws_api_gateway");

  /** Services of segments seen lately, by segment id: an independent subsegment takes its segment's. */
  private final Map<String, String> services = new LinkedHashMap<>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
      return size() > 10_000;
    }
  };

  /** The records of one document; none when it is not a segment or independent subsegment. */
  synchronized List<String> records(String document) {
    ObjectNode doc;
    try {
      JsonNode n = EmulatorStore.JSON.readTree(document);
      if (!(n instanceof ObjectNode o)) return List.of();
      doc = o;
    } catch (JacksonException e) {
      return List.of();
    }
    String xrayId = doc.path("trace_id").asString("");
    if (!EmulatorStore.TRACE_ID.matcher(xrayId).matches()) return List.of();
    String traceId = xrayId.substring(2, 10) + xrayId.substring(11);
    boolean independent = doc.path("type").asString("").equals("subsegment");
    String service;
    if (independent) {
      service = services.getOrDefault(doc.path("parent_id").asString(""), doc.path("name").asString(""));
    } else {
      service = doc.path("name").asString("");
      services.put(doc.path("id").asString(""), service);
    }
    ObjectNode resource = NODES.objectNode();
    resource.put("service.name", service);
    resource.put("cloud.provider", "aws");
    String platform = PLATFORMS.get(doc.path("origin").asString(""));
    if (platform != null) resource.put("cloud.platform", platform);
    List<String> out = new ArrayList<>();
    add(doc, traceId, doc.path("parent_id").asString(""), !independent, resource, out);
    return out;
  }

  private static void add(ObjectNode node, String traceId, String parent, boolean segment, ObjectNode resource, List<String> out) {
    ObjectNode r = NODES.objectNode();
    r.putObject("resource").set("attributes", resource);
    r.putObject("scope").put("name", "aws.xray");
    r.put("traceId", traceId);
    r.put("spanId", node.path("id").asString(""));
    if (!parent.isEmpty()) r.put("parentSpanId", parent);
    r.put("name", node.path("name").asString(""));
    String namespace = node.path("namespace").asString("");
    r.put("kind", segment ? "SERVER" : namespace.equals("aws") || namespace.equals("remote") ? "CLIENT" : "INTERNAL");
    long start = nanos(node.get("start_time"));
    r.put("startTimeUnixNano", start);
    if (node.path("end_time").isNumber()) {
      long end = nanos(node.get("end_time"));
      r.put("endTimeUnixNano", end);
      r.put("durationNano", end - start);
    }
    ObjectNode attributes = r.putObject("attributes");
    JsonNode http = node.path("http");
    if (http.path("request").has("method")) attributes.put("http.request.method", http.path("request").path("method").asString(""));
    if (http.path("request").has("url")) attributes.put("url.full", http.path("request").path("url").asString(""));
    if (http.path("response").has("status")) attributes.put("http.response.status_code", http.path("response").path("status").asInt());
    if (namespace.equals("aws")) {
      attributes.put("rpc.system", "aws-api");
      attributes.put("rpc.service", node.path("name").asString(""));
      if (node.path("aws").has("operation")) attributes.put("rpc.method", node.path("aws").path("operation").asString(""));
      if (node.path("aws").has("region")) attributes.put("aws.region", node.path("aws").path("region").asString(""));
    }
    JsonNode annotations = node.path("annotations");
    if (annotations instanceof ObjectNode a && !a.isEmpty()) {
      ArrayNode names = NODES.arrayNode();
      for (var e : a.properties()) {
        attributes.set(e.getKey(), e.getValue());
        names.add(e.getKey());
      }
      attributes.set("aws.xray.annotations", names);
    }
    boolean failed = node.path("fault").asBoolean(false) || node.path("error").asBoolean(false);
    ObjectNode status = r.putObject("status");
    status.put("code", failed ? "ERROR" : "UNSET");
    ArrayNode events = NODES.arrayNode();
    for (JsonNode ex : node.path("cause").path("exceptions")) {
      ObjectNode ev = events.addObject();
      ev.put("name", "exception");
      ev.put("timeUnixNano", start);
      ObjectNode ea = ev.putObject("attributes");
      ea.put("exception.type", ex.path("type").asString(""));
      ea.put("exception.message", ex.path("message").asString(""));
    }
    if (!events.isEmpty()) r.set("events", events);
    out.add(EmulatorStore.JSON.writeValueAsString(r));
    for (JsonNode child : node.path("subsegments")) {
      if (child instanceof ObjectNode c) add(c, traceId, node.path("id").asString(""), false, resource, out);
    }
  }

  private static long nanos(JsonNode seconds) {
    if (seconds == null || !seconds.isNumber()) return 0;
    return seconds.decimalValue().movePointRight(9).setScale(0, RoundingMode.HALF_UP).longValue();
  }
}
