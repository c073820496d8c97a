package org.xraybridge.forward;


import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ArrayValue;
import org.msgpack.value.MapValue;
import org.msgpack.value.Value;
import org.msgpack.value.ValueType;
import org.xraybridge.model.Priority;
import org.xraybridge.model.Span;
import org.xraybridge.model.SpanLink;
import org.xraybridge.model.TraceChunk;

/**
 * The test's own reading of a v0.4 body, with msgpack-core's {@link MessageUnpacker} and its generic
 * {@link Value} model (independent of the production writer and of the embedded reader), and a
 * field-by-field comparison with the chunk that was handed in. Failures name the field.
 */
public final class V04Wire {
  private V04Wire() {}

  /** The traces of a body: each an array of span maps. */
  public static List<List<MapValue>> decode(byte[] body) throws IOException {
    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(body)) {
      Value v = u.unpackValue();
      assertThat(u.hasNext()).as("bytes after the traces array").isFalse();
      assertThat(v.getValueType()).as("body").isEqualTo(ValueType.ARRAY);
      List<List<MapValue>> traces = new ArrayList<>();
      for (Value t : v.asArrayValue()) {
        assertThat(t.getValueType()).as("trace").isEqualTo(ValueType.ARRAY);
        List<MapValue> spans = new ArrayList<>();
        for (Value s : t.asArrayValue()) {
          assertThat(s.getValueType()).as("span").isEqualTo(ValueType.MAP);
          spans.add(s.asMapValue());
        }
        traces.add(spans);
      }
      return traces;
    }
  }

  /** Every span of {@code trace} against {@code chunk}, in order. */
  public static void assertTrace(List<MapValue> trace, TraceChunk chunk) {
    assertThat(trace).as("spans of trace %s", Long.toUnsignedString(chunk.traceId())).hasSize(chunk.size());
    for (int i = 0; i < trace.size(); i++) {
      assertSpan(trace.get(i), chunk.spans().get(i), i == 0 ? chunk.priority() : Priority.NONE);
    }
  }

  /**
   * One span map against the model span. {@code priority}: the chunk priority the first span must
   * carry as {@code _sampling_priority_v1} ({@link Priority#NONE}: the metrics as they were).
   */
  public static void assertSpan(MapValue actual, Span expected, int priority) {
    Map<String, Value> m = fields(actual);
    String id = Long.toUnsignedString(expected.spanId());
    List<String> keys = new ArrayList<>(List.of(
        "service", "name", "resource", "trace_id", "span_id", "parent_id", "start", "duration", "error", "type",
        "meta", "metrics"));
    if (!expected.metaStruct().isEmpty()) keys.add("meta_struct");
    if (!expected.spanLinks().isEmpty()) keys.add("span_links");
    assertThat(m.keySet()).as("keys of span %s", id).containsExactlyInAnyOrderElementsOf(keys);

    assertThat(str(m, "service")).as("service of %s", id).isEqualTo(TestTraces.wire(expected.service()));
    assertThat(str(m, "name")).as("name of %s", id).isEqualTo(TestTraces.wire(expected.name()));
    assertThat(str(m, "resource")).as("resource of %s", id).isEqualTo(TestTraces.wire(expected.resource()));
    assertThat(str(m, "type")).as("type of %s", id).isEqualTo(TestTraces.wire(expected.type()));
    assertThat(uint64(m.get("trace_id"))).as("trace_id of %s", id).isEqualTo(expected.traceId());
    assertThat(uint64(m.get("span_id"))).as("span_id").isEqualTo(expected.spanId());
    assertThat(uint64(m.get("parent_id"))).as("parent_id of %s", id).isEqualTo(expected.parentId());
    assertThat(m.get("start").asIntegerValue().toLong()).as("start of %s", id).isEqualTo(expected.startNanos());
    assertThat(m.get("duration").asIntegerValue().toLong()).as("duration of %s", id).isEqualTo(expected.durationNanos());
    assertThat(m.get("error").asIntegerValue().toInt()).as("error of %s", id).isEqualTo(expected.error());

    assertThat(stringMap(m.get("meta"))).as("meta of %s", id).isEqualTo(TestTraces.wire(expected.meta()));

    Map<String, Double> metrics = new HashMap<>();
    for (Map.Entry<Value, Value> e : m.get("metrics").asMapValue().entrySet()) {
      assertThat(e.getValue().getValueType()).as("metric %s of %s is a float64", e.getKey(), id).isEqualTo(ValueType.FLOAT);
      metrics.put(e.getKey().asStringValue().asString(), e.getValue().asFloatValue().toDouble());
    }
    Map<String, Double> expectedMetrics = new HashMap<>();
    expected.metrics().forEach((k, v) -> expectedMetrics.put(TestTraces.wire(k), v));
    if (priority != Priority.NONE) expectedMetrics.put(Priority.METRIC, (double) priority);
    assertThat(metrics).as("metrics of %s", id).isEqualTo(expectedMetrics);

    if (!expected.metaStruct().isEmpty()) {
      MapValue ms = m.get("meta_struct").asMapValue();
      assertThat(ms.size()).as("meta_struct size of %s", id).isEqualTo(expected.metaStruct().size());
      for (Map.Entry<Value, Value> e : ms.entrySet()) {
        assertThat(e.getValue().getValueType()).as("meta_struct value type").isEqualTo(ValueType.BINARY);
        assertThat(e.getValue().asBinaryValue().asByteArray()).as("meta_struct %s of %s", e.getKey(), id)
            .isEqualTo(expected.metaStruct().get(e.getKey().asStringValue().asString()));
      }
    }
    if (!expected.spanLinks().isEmpty()) {
      ArrayValue links = m.get("span_links").asArrayValue();
      assertThat(links.size()).as("span_links of %s", id).isEqualTo(expected.spanLinks().size());
      for (int i = 0; i < links.size(); i++) assertLink(links.get(i).asMapValue(), expected.spanLinks().get(i), id);
    }
  }

  private static void assertLink(MapValue actual, SpanLink expected, String span) {
    Map<String, Value> m = fields(actual);
    List<String> keys = new ArrayList<>(List.of("trace_id", "trace_id_high", "span_id"));
    if (!expected.attributes().isEmpty()) keys.add("attributes");
    if (!expected.tracestate().isEmpty()) keys.add("tracestate");
    if (expected.flags() != 0) keys.add("flags");
    assertThat(m.keySet()).as("link keys of %s", span).containsExactlyInAnyOrderElementsOf(keys);
    assertThat(uint64(m.get("trace_id"))).as("link trace_id of %s", span).isEqualTo(expected.traceId());
    assertThat(uint64(m.get("trace_id_high"))).as("link trace_id_high of %s", span).isEqualTo(expected.traceIdHigh());
    assertThat(uint64(m.get("span_id"))).as("link span_id of %s", span).isEqualTo(expected.spanId());
    if (!expected.attributes().isEmpty()) {
      assertThat(stringMap(m.get("attributes"))).as("link attributes of %s", span)
          .isEqualTo(TestTraces.wire(expected.attributes()));
    }
    if (!expected.tracestate().isEmpty()) {
      assertThat(str(m, "tracestate")).as("link tracestate of %s", span).isEqualTo(expected.tracestate());
    }
    if (expected.flags() != 0) {
      // uint32 with the "flags present" high bit set (docs/forward.md, "Payloads")
      assertThat(m.get("flags").asIntegerValue().toLong()).as("link flags of %s", span)
          .isEqualTo(expected.flags() | 0x8000_0000L);
    }
  }

  public static Map<String, Value> fields(MapValue map) {
    Map<String, Value> m = new HashMap<>();
    for (Map.Entry<Value, Value> e : map.entrySet()) {
      assertThat(e.getKey().getValueType()).as("map key type").isEqualTo(ValueType.STRING);
      Value previous = m.put(e.getKey().asStringValue().asString(), e.getValue());
      assertThat(previous).as("duplicate key %s", e.getKey()).isNull();
    }
    return m;
  }

  public static Map<String, String> stringMap(Value v) {
    Map<String, String> out = new HashMap<>();
    for (Map.Entry<Value, Value> e : v.asMapValue().entrySet()) {
      out.put(e.getKey().asStringValue().asString(), e.getValue().asStringValue().asString());
    }
    return out;
  }

  /** A metric of a decoded span, or null. */
  public static Double metric(MapValue span, String key) {
    Value metrics = fields(span).get("metrics");
    for (Map.Entry<Value, Value> e : metrics.asMapValue().entrySet()) {
      if (e.getKey().asStringValue().asString().equals(key)) return e.getValue().asFloatValue().toDouble();
    }
    return null;
  }

  private static String str(Map<String, Value> m, String key) {
    assertThat(m.get(key).getValueType()).as("%s is a string", key).isEqualTo(ValueType.STRING);
    return m.get(key).asStringValue().asString();
  }

  /** An unsigned 64-bit integer as the raw long bits. */
  public static long uint64(Value v) {
    BigInteger b = v.asIntegerValue().asBigInteger();
    assertThat(b.signum()).as("unsigned id").isGreaterThanOrEqualTo(0);
    return b.longValue();
  }
}
