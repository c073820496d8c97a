package org.xraybridge.source.xray;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.xraybridge.source.poll.CheckpointCodec;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonEncoding;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The X-Ray checkpoint as JSON. Bytes that do not read back exactly so are refused, never guessed.
 * Version 2 names the source that wrote it; version 1, written before sources had names, is read as
 * a checkpoint of no named source (the {@code default} source takes it over). {@code path} and
 * {@code held_events} (Transaction Search) may be absent: the X-Ray path, nothing held.
 *
 * <pre>
 * {"format": "xray-datadog-bridge/xray-checkpoint", "version": 2, "source": "prod-eu", "path": "logs",
 *  "cursor": "2026-11-29T06:00:00Z", "written_at": "…",
 *  "held_events": [{"id": "&lt;event id&gt;", "trace": "1-…", "span": "…", "since": "…", "message": "…"}],
 *  "traces": [{"id": "1-…", "revision": 3, "touched": "…", "held_since": "…", "held": ["…"],
 *              "delivered": {"&lt;segment id&gt;": &lt;hash&gt;, …}, "spans": [&lt;span id&gt;, …]}]}
 * </pre>
 */
public final class XRayCheckpointFormat implements CheckpointCodec<XRayCheckpoint> {

  static final String FORMAT = "xray-datadog-bridge/xray-checkpoint";
  static final int VERSION = 2;
  /** The version written before sources had names: no {@code source}. */
  static final int UNNAMED_VERSION = 1;

  private static final JsonMapper JSON = JsonMapper.builder().build();

  @Override
  public String name() {
    return "X-Ray checkpoint";
  }

  @Override
  public void write(XRayCheckpoint c, OutputStream out) throws IOException {
    try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
      g.writeStartObject();
      g.writeStringProperty("format", FORMAT);
      g.writeNumberProperty("version", VERSION);
      g.writeStringProperty("source", c.source());
      g.writeStringProperty("path", c.path().tag());
      g.writeStringProperty("cursor", c.cursor().toString());
      g.writeStringProperty("written_at", c.writtenAt().toString());
      g.writeName("traces");
      g.writeStartArray();
      for (XRayCheckpoint.TraceEntry t : c.traces()) {
        g.writeStartObject();
        g.writeStringProperty("id", t.traceId());
        g.writeNumberProperty("revision", t.revision());
        g.writeStringProperty("touched", t.touched().toString());
        g.writeStringProperty("held_since", t.heldSince().toString());
        g.writeName("held");
        g.writeStartArray();
        for (String h : t.held()) g.writeString(h);
        g.writeEndArray();
        g.writeName("delivered");
        g.writeStartObject();
        for (Map.Entry<String, Long> e : t.delivered().entrySet()) g.writeNumberProperty(e.getKey(), e.getValue());
        g.writeEndObject();
        g.writeName("spans");
        long[] spans = t.spanIds();
        g.writeArray(spans, 0, spans.length);
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeName("held_events");
      g.writeStartArray();
      for (XRayCheckpoint.HeldEvent e : c.heldEvents()) {
        g.writeStartObject();
        g.writeStringProperty("id", e.eventId());
        g.writeStringProperty("trace", e.traceKey());
        g.writeStringProperty("span", e.spanId());
        g.writeStringProperty("since", e.since().toString());
        g.writeStringProperty("message", e.message());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    }
  }

  @Override
  public XRayCheckpoint read(byte[] bytes) {
    JsonNode root;
    try {
      root = JSON.readTree(bytes);
    } catch (JacksonException e) {
      throw new IllegalArgumentException("not valid JSON (" + e.getOriginalMessage() + ")", e);
    }
    if (root == null || !root.isObject()) throw new IllegalArgumentException("expected a JSON object at the top");
    String format = text(root, "format");
    if (!format.equals(FORMAT)) throw new IllegalArgumentException("format is '" + format + "', expected '" + FORMAT + "'");
    JsonNode version = root.get("version");
    if (version == null || !version.isIntegralNumber() || (version.asInt() != VERSION && version.asInt() != UNNAMED_VERSION)) {
      throw new IllegalArgumentException("version is " + version + ", expected " + UNNAMED_VERSION + " or " + VERSION);
    }
    String source = "";
    if (version.asInt() != UNNAMED_VERSION) {
      JsonNode n = root.get("source");
      if (n == null || !n.isString()) throw new IllegalArgumentException("'source' is missing or not a string");
      source = n.asString();
    }
    Instant cursor = instant(root, "cursor");
    Instant writtenAt = instant(root, "written_at");
    JsonNode traces = root.get("traces");
    if (traces == null || !traces.isArray()) throw new IllegalArgumentException("'traces' is missing or not an array");
    List<XRayCheckpoint.TraceEntry> entries = new ArrayList<>(traces.size());
    int i = 0;
    for (JsonNode t : traces) entries.add(entry(t, "traces[" + i++ + "]"));
    SourcePath path = SourcePath.XRAY;
    JsonNode p = root.get("path");
    if (p != null) {
      if (!p.isString()) throw new IllegalArgumentException("'path' is not a string");
      path = SourcePath.of(p.asString());
    }
    List<XRayCheckpoint.HeldEvent> held = new ArrayList<>();
    JsonNode events = root.get("held_events");
    if (events != null) {
      if (!events.isArray()) throw new IllegalArgumentException("'held_events' is not an array");
      int j = 0;
      for (JsonNode e : events) {
        String where = "held_events[" + j++ + "]";
        if (!e.isObject()) throw new IllegalArgumentException(where + " is not an object");
        held.add(new XRayCheckpoint.HeldEvent(text(e, "id"), text(e, "trace"), text(e, "span"), text(e, "message"), instant(e, "since")));
      }
    }
    return new XRayCheckpoint(source, path, cursor, writtenAt, entries, held);
  }

  private static XRayCheckpoint.TraceEntry entry(JsonNode t, String where) {
    if (!t.isObject()) throw new IllegalArgumentException(where + " is not an object");
    String id = text(t, "id");
    JsonNode rev = t.get("revision");
    if (rev == null || !rev.isIntegralNumber()) throw new IllegalArgumentException(where + ".revision is missing or not an integer");
    JsonNode held = t.get("held");
    if (held == null || !held.isArray()) throw new IllegalArgumentException(where + ".held is missing or not an array");
    Set<String> heldIds = new HashSet<>();
    for (JsonNode h : held) {
      if (!h.isString()) throw new IllegalArgumentException(where + ".held has a non-string id");
      heldIds.add(h.asString());
    }
    JsonNode delivered = t.get("delivered");
    if (delivered == null || !delivered.isObject()) throw new IllegalArgumentException(where + ".delivered is missing or not an object");
    Map<String, Long> deliveredIds = new HashMap<>();
    for (Map.Entry<String, JsonNode> e : delivered.properties()) {
      if (!e.getValue().isIntegralNumber() || !e.getValue().canConvertToLong()) {
        throw new IllegalArgumentException(where + ".delivered." + e.getKey() + " is not a 64-bit hash");
      }
      deliveredIds.put(e.getKey(), e.getValue().asLong());
    }
    JsonNode spans = t.get("spans");
    if (spans == null || !spans.isArray()) throw new IllegalArgumentException(where + ".spans is missing or not an array");
    long[] spanIds = new long[spans.size()];
    int n = 0;
    for (JsonNode s : spans) {
      if (!s.isIntegralNumber() || !s.canConvertToLong()) throw new IllegalArgumentException(where + ".spans has a non-64-bit id");
      spanIds[n++] = s.asLong();
    }
    return new XRayCheckpoint.TraceEntry(
        id, rev.asInt(), deliveredIds, spanIds, heldIds, instant(t, "held_since"), instant(t, "touched"));
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || !v.isString() || v.asString().isEmpty()) {
      throw new IllegalArgumentException("'" + field + "' is missing or not a string");
    }
    return v.asString();
  }

  private static Instant instant(JsonNode node, String field) {
    String v = text(node, field);
    try {
      return Instant.parse(v);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("'" + field + "' is not an ISO-8601 instant: '" + v + "'");
    }
  }
}
