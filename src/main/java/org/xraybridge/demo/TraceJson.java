package org.xraybridge.demo;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import org.xraybridge.demo.EmulatorStore.Summary;
import org.xraybridge.demo.EmulatorStore.TraceView;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A stored trace as the X-Ray API writes it: the {@code Trace} of BatchGetTraces (documents as JSON
 * strings, byte for byte) and the {@code TraceSummary} of GetTraceSummaries, read from the root
 * segments. Times are epoch seconds with up to nine decimals, as the service's.
 */
final class TraceJson {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private TraceJson() {}

  /** BatchGetTraces' {@code Trace}; {@code LimitExceeded} when the documents exceed {@code limitChars}. */
  static ObjectNode trace(TraceView t, int limitChars) {
    ObjectNode o = NODES.objectNode();
    o.put("Id", t.id());
    o.put("Duration", durationSeconds(t));
    o.put("LimitExceeded", t.size() > limitChars);
    ArrayNode segs = o.putArray("Segments");
    for (var e : t.documents().entrySet()) {
      ObjectNode s = segs.addObject();
      s.put("Id", e.getKey());
      s.put("Document", e.getValue());
    }
    return o;
  }

  /** GetTraceSummaries' {@code TraceSummary}. */
  static ObjectNode summary(Summary s) {
    TraceView t = s.trace();
    ObjectNode o = NODES.objectNode();
    o.put("Id", t.id());
    o.put("Revision", t.revision());
    o.put("StartTime", seconds(t.startTime()));
    o.put("Duration", durationSeconds(t));
    ObjectNode root = t.roots().isEmpty() ? NODES.objectNode() : rootOf(t);
    Instant rs = EmulatorStore.seconds(root.get("start_time"));
    Instant re = EmulatorStore.seconds(root.get("end_time"));
    if (rs != null && re != null) o.put("ResponseTime", seconds(Duration.between(rs, re)));
    boolean fault = false, error = false, throttle = false;
    ArrayNode services = NODES.arrayNode();
    ObjectNode annotations = NODES.objectNode();
    for (ObjectNode seg : t.roots()) {
      fault |= seg.path("fault").asBoolean(false);
      error |= seg.path("error").asBoolean(false);
      throttle |= seg.path("throttle").asBoolean(false);
      ObjectNode svc = services.addObject();
      svc.put("Name", seg.path("name").asString(""));
      svc.putArray("Names").add(seg.path("name").asString(""));
      if (seg.has("origin")) svc.put("Type", seg.path("origin").asString(""));
      collectAnnotations(seg, annotations);
    }
    o.put("HasFault", fault);
    o.put("HasError", error);
    o.put("HasThrottle", throttle);
    o.put("IsPartial", t.partial());
    JsonNode http = root.path("http");
    if (http.isObject()) {
      ObjectNode h = o.putObject("Http");
      JsonNode rq = http.path("request");
      if (rq.has("url")) h.put("HttpURL", rq.path("url").asString(""));
      if (rq.has("method")) h.put("HttpMethod", rq.path("method").asString(""));
      if (rq.has("user_agent")) h.put("UserAgent", rq.path("user_agent").asString(""));
      if (rq.has("client_ip")) h.put("ClientIp", rq.path("client_ip").asString(""));
      if (http.path("response").has("status")) h.put("HttpStatus", http.path("response").path("status").asInt());
    }
    o.set("Annotations", annotations);
    o.set("ServiceIds", services);
    o.putArray("Users");
    if (root.has("name")) {
      ObjectNode entry = o.putObject("EntryPoint");
      entry.put("Name", root.path("name").asString(""));
    }
    o.put("MatchedEventTime", seconds(s.matchedAt()));
    return o;
  }

  /** The segment without a {@code parent_id} (the trace's entry), else the first. */
  private static ObjectNode rootOf(TraceView t) {
    for (ObjectNode seg : t.roots()) if (!seg.has("parent_id")) return seg;
    return t.roots().get(0);
  }

  private static void collectAnnotations(ObjectNode node, ObjectNode into) {
    JsonNode ann = node.get("annotations");
    if (ann instanceof ObjectNode a) {
      for (var e : a.properties()) {
        ArrayNode values = into.has(e.getKey()) ? (ArrayNode) into.get(e.getKey()) : into.putArray(e.getKey());
        ObjectNode v = values.addObject().putObject("AnnotationValue");
        JsonNode val = e.getValue();
        if (val.isNumber()) v.put("NumberValue", val.decimalValue());
        else if (val.isBoolean()) v.put("BooleanValue", val.asBoolean());
        else v.put("StringValue", val.asString(""));
      }
    }
    JsonNode subs = node.get("subsegments");
    if (subs instanceof ArrayNode array) for (JsonNode c : array) if (c instanceof ObjectNode o) collectAnnotations(o, into);
  }

  private static BigDecimal durationSeconds(TraceView t) {
    return seconds(Duration.between(t.startTime(), t.endTime()));
  }

  static BigDecimal seconds(Instant t) {
    return BigDecimal.valueOf(t.getEpochSecond()).add(BigDecimal.valueOf(t.getNano(), 9)).stripTrailingZeros();
  }

  private static BigDecimal seconds(Duration d) {
    return BigDecimal.valueOf(d.getSeconds()).add(BigDecimal.valueOf(d.getNano(), 9)).stripTrailingZeros();
  }
}
