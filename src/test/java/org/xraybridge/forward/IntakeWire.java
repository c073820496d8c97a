package org.xraybridge.forward;


import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.MessageOptions;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.UnknownFieldSet;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.xraybridge.model.Priority;
import org.xraybridge.model.Span;
import org.xraybridge.model.SpanLink;
import org.xraybridge.model.TraceChunk;

/**
 * The test's two readings of an intake {@code AgentPayload}, both independent of the production
 * writer and of the generated classes:
 *
 * <ul>
 *   <li>{@link #dynamic}: protobuf-java's {@link DynamicMessage} against a descriptor built here,
 *       field by field, from the published numbers (the Agent's {@code agent_payload.proto});
 *   <li>{@link #schemaless}: {@link UnknownFieldSet}, which knows no schema at all — only field
 *       numbers and wire types.
 * </ul>
 *
 * Both produce the same neutral records, which {@link #assertMatches} compares with what was sent.
 */
public final class IntakeWire {
  public record Payload(String hostName, String env, String agentVersion, double targetTps, double errorTps,
      List<Tracer> tracers) {}

  public record Tracer(String containerId, String languageName, String languageVersion, String tracerVersion,
      String env, String hostname, List<Chunk> chunks) {}

  public record Chunk(int priority, String origin, boolean droppedTrace, List<DecodedSpan> spans) {}

  public record DecodedSpan(String service, String name, String resource, long traceId, long spanId, long parentId,
      long start, long duration, int error, Map<String, String> meta, Map<String, Double> metrics, String type,
      Map<String, ByteString> metaStruct, List<Link> links) {}

  public record Link(long traceId, long traceIdHigh, long spanId, Map<String, String> attributes, String tracestate,
      int flags) {}

  /** AgentPayload, built from the published field numbers (not from src/main/proto). */
  public static final Descriptors.Descriptor AGENT_PAYLOAD = build();

  private IntakeWire() {}

  public static byte[] gunzip(byte[] gz) {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---- the descriptor -------------------------------------------------------------------------

  private static Descriptors.Descriptor build() {
    DescriptorProto link = DescriptorProto.newBuilder().setName("SpanLink")
        .addField(field("trace_id", 1, Type.TYPE_UINT64))
        .addField(field("trace_id_high", 2, Type.TYPE_UINT64))
        .addField(field("span_id", 3, Type.TYPE_UINT64))
        .addNestedType(mapEntry("AttributesEntry", Type.TYPE_STRING))
        .addField(mapField("attributes", 4, ".t.SpanLink.AttributesEntry"))
        .addField(field("tracestate", 5, Type.TYPE_STRING))
        .addField(field("flags", 6, Type.TYPE_UINT32))
        .build();
    DescriptorProto span = DescriptorProto.newBuilder().setName("Span")
        .addField(field("service", 1, Type.TYPE_STRING))
        .addField(field("name", 2, Type.TYPE_STRING))
        .addField(field("resource", 3, Type.TYPE_STRING))
        .addField(field("trace_id", 4, Type.TYPE_UINT64))
        .addField(field("span_id", 5, Type.TYPE_UINT64))
        .addField(field("parent_id", 6, Type.TYPE_UINT64))
        .addField(field("start", 7, Type.TYPE_INT64))
        .addField(field("duration", 8, Type.TYPE_INT64))
        .addField(field("error", 9, Type.TYPE_INT32))
        .addNestedType(mapEntry("MetaEntry", Type.TYPE_STRING))
        .addField(mapField("meta", 10, ".t.Span.MetaEntry"))
        .addNestedType(mapEntry("MetricsEntry", Type.TYPE_DOUBLE))
        .addField(mapField("metrics", 11, ".t.Span.MetricsEntry"))
        .addField(field("type", 12, Type.TYPE_STRING))
        .addNestedType(mapEntry("MetaStructEntry", Type.TYPE_BYTES))
        .addField(mapField("meta_struct", 13, ".t.Span.MetaStructEntry"))
        .addField(repeated("span_links", 14, ".t.SpanLink"))
        .build();
    DescriptorProto chunk = DescriptorProto.newBuilder().setName("TraceChunk")
        .addField(field("priority", 1, Type.TYPE_INT32))
        .addField(field("origin", 2, Type.TYPE_STRING))
        .addField(repeated("spans", 3, ".t.Span"))
        .addNestedType(mapEntry("TagsEntry", Type.TYPE_STRING))
        .addField(mapField("tags", 4, ".t.TraceChunk.TagsEntry"))
        .addField(field("dropped_trace", 5, Type.TYPE_BOOL))
        .build();
    DescriptorProto tracer = DescriptorProto.newBuilder().setName("TracerPayload")
        .addField(field("container_id", 1, Type.TYPE_STRING))
        .addField(field("language_name", 2, Type.TYPE_STRING))
        .addField(field("language_version", 3, Type.TYPE_STRING))
        .addField(field("tracer_version", 4, Type.TYPE_STRING))
        .addField(field("runtime_id", 5, Type.TYPE_STRING))
        .addField(repeated("chunks", 6, ".t.TraceChunk"))
        .addNestedType(mapEntry("TagsEntry", Type.TYPE_STRING))
        .addField(mapField("tags", 7, ".t.TracerPayload.TagsEntry"))
        .addField(field("env", 8, Type.TYPE_STRING))
        .addField(field("hostname", 9, Type.TYPE_STRING))
        .addField(field("app_version", 10, Type.TYPE_STRING))
        .build();
    DescriptorProto agent = DescriptorProto.newBuilder().setName("AgentPayload")
        .addField(field("host_name", 1, Type.TYPE_STRING))
        .addField(field("env", 2, Type.TYPE_STRING))
        .addField(repeated("tracer_payloads", 5, ".t.TracerPayload"))
        .addNestedType(mapEntry("TagsEntry", Type.TYPE_STRING))
        .addField(mapField("tags", 6, ".t.AgentPayload.TagsEntry"))
        .addField(field("agent_version", 7, Type.TYPE_STRING))
        .addField(field("target_tps", 8, Type.TYPE_DOUBLE))
        .addField(field("error_tps", 9, Type.TYPE_DOUBLE))
        .addField(field("rare_sampler_enabled", 10, Type.TYPE_BOOL))
        .build();
    FileDescriptorProto file = FileDescriptorProto.newBuilder()
        .setName("intake_test.proto").setPackage("t").setSyntax("proto3")
        .addMessageType(link).addMessageType(span).addMessageType(chunk).addMessageType(tracer).addMessageType(agent)
        .build();
    try {
      return Descriptors.FileDescriptor.buildFrom(file, new Descriptors.FileDescriptor[0]).findMessageTypeByName("AgentPayload");
    } catch (Descriptors.DescriptorValidationException e) {
      throw new IllegalStateException(e);
    }
  }

  private static FieldDescriptorProto field(String name, int number, Type type) {
    return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setType(type)
        .setLabel(Label.LABEL_OPTIONAL).build();
  }

  private static FieldDescriptorProto repeated(String name, int number, String typeName) {
    return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setType(Type.TYPE_MESSAGE)
        .setTypeName(typeName).setLabel(Label.LABEL_REPEATED).build();
  }

  private static FieldDescriptorProto mapField(String name, int number, String entryType) {
    return repeated(name, number, entryType);
  }

  private static DescriptorProto mapEntry(String name, Type valueType) {
    return DescriptorProto.newBuilder().setName(name)
        .setOptions(MessageOptions.newBuilder().setMapEntry(true))
        .addField(field("key", 1, Type.TYPE_STRING))
        .addField(field("value", 2, valueType))
        .build();
  }

  // ---- reading 1: DynamicMessage ----------------------------------------------------------------

  public static Payload dynamic(byte[] raw) throws IOException {
    DynamicMessage m = DynamicMessage.parseFrom(AGENT_PAYLOAD, raw);
    assertThat(m.getUnknownFields().asMap()).as("fields the published schema does not have").isEmpty();
    List<Tracer> tracers = new ArrayList<>();
    for (Object t : list(m, "tracer_payloads")) tracers.add(tracer((DynamicMessage) t));
    assertThat(list(m, "tags")).as("AgentPayload.tags").isEmpty();
    assertThat((Boolean) get(m, "rare_sampler_enabled")).isFalse();
    return new Payload(str(m, "host_name"), str(m, "env"), str(m, "agent_version"), (Double) get(m, "target_tps"),
        (Double) get(m, "error_tps"), tracers);
  }

  private static Tracer tracer(DynamicMessage t) {
    List<Chunk> chunks = new ArrayList<>();
    for (Object c : list(t, "chunks")) chunks.add(chunk((DynamicMessage) c));
    assertThat(str(t, "runtime_id")).isEmpty();
    assertThat(str(t, "app_version")).isEmpty();
    assertThat(list(t, "tags")).isEmpty();
    return new Tracer(str(t, "container_id"), str(t, "language_name"), str(t, "language_version"),
        str(t, "tracer_version"), str(t, "env"), str(t, "hostname"), chunks);
  }

  private static Chunk chunk(DynamicMessage c) {
    List<DecodedSpan> spans = new ArrayList<>();
    for (Object s : list(c, "spans")) spans.add(span((DynamicMessage) s));
    assertThat(list(c, "tags")).isEmpty();
    return new Chunk((Integer) get(c, "priority"), str(c, "origin"), (Boolean) get(c, "dropped_trace"), spans);
  }

  private static DecodedSpan span(DynamicMessage s) {
    Map<String, String> meta = new HashMap<>();
    for (Object e : list(s, "meta")) meta.put(str((DynamicMessage) e, "key"), str((DynamicMessage) e, "value"));
    Map<String, Double> metrics = new HashMap<>();
    for (Object e : list(s, "metrics")) metrics.put(str((DynamicMessage) e, "key"), (Double) get((DynamicMessage) e, "value"));
    Map<String, ByteString> metaStruct = new HashMap<>();
    for (Object e : list(s, "meta_struct")) {
      metaStruct.put(str((DynamicMessage) e, "key"), (ByteString) get((DynamicMessage) e, "value"));
    }
    List<Link> links = new ArrayList<>();
    for (Object o : list(s, "span_links")) {
      DynamicMessage l = (DynamicMessage) o;
      Map<String, String> attrs = new HashMap<>();
      for (Object e : list(l, "attributes")) attrs.put(str((DynamicMessage) e, "key"), str((DynamicMessage) e, "value"));
      links.add(new Link((Long) get(l, "trace_id"), (Long) get(l, "trace_id_high"), (Long) get(l, "span_id"), attrs,
          str(l, "tracestate"), (Integer) get(l, "flags")));
    }
    return new DecodedSpan(str(s, "service"), str(s, "name"), str(s, "resource"), (Long) get(s, "trace_id"),
        (Long) get(s, "span_id"), (Long) get(s, "parent_id"), (Long) get(s, "start"), (Long) get(s, "duration"),
        (Integer) get(s, "error"), meta, metrics, str(s, "type"), metaStruct, links);
  }

  private static Object get(DynamicMessage m, String field) {
    return m.getField(m.getDescriptorForType().findFieldByName(field));
  }

  private static String str(DynamicMessage m, String field) {
    return (String) get(m, field);
  }

  private static List<?> list(DynamicMessage m, String field) {
    return (List<?>) get(m, field);
  }

  // ---- reading 2: no schema at all --------------------------------------------------------------

  public static Payload schemaless(byte[] raw) throws IOException {
    UnknownFieldSet m = UnknownFieldSet.parseFrom(raw);
    assertThat(m.asMap().keySet()).as("AgentPayload field numbers").isSubsetOf(1, 2, 5, 7, 8, 9);
    List<Tracer> tracers = new ArrayList<>();
    for (ByteString t : lengthDelimited(m, 5)) tracers.add(rawTracer(UnknownFieldSet.parseFrom(t)));
    return new Payload(string(m, 1), string(m, 2), string(m, 7), dbl(m, 8), dbl(m, 9), tracers);
  }

  private static Tracer rawTracer(UnknownFieldSet t) throws IOException {
    assertThat(t.asMap().keySet()).as("TracerPayload field numbers").isSubsetOf(1, 2, 3, 4, 6, 8, 9);
    List<Chunk> chunks = new ArrayList<>();
    for (ByteString c : lengthDelimited(t, 6)) chunks.add(rawChunk(UnknownFieldSet.parseFrom(c)));
    return new Tracer(string(t, 1), string(t, 2), string(t, 3), string(t, 4), string(t, 8), string(t, 9), chunks);
  }

  private static Chunk rawChunk(UnknownFieldSet c) throws IOException {
    assertThat(c.asMap().keySet()).as("TraceChunk field numbers").isSubsetOf(1, 2, 3);
    List<DecodedSpan> spans = new ArrayList<>();
    for (ByteString s : lengthDelimited(c, 3)) spans.add(rawSpan(UnknownFieldSet.parseFrom(s)));
    return new Chunk((int) varint(c, 1), string(c, 2), varint(c, 5) != 0, spans);
  }

  private static DecodedSpan rawSpan(UnknownFieldSet s) throws IOException {
    assertThat(s.asMap().keySet()).as("Span field numbers").isSubsetOf(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14);
    Map<String, String> meta = new HashMap<>();
    for (ByteString e : lengthDelimited(s, 10)) {
      UnknownFieldSet entry = UnknownFieldSet.parseFrom(e);
      meta.put(string(entry, 1), string(entry, 2));
    }
    Map<String, Double> metrics = new HashMap<>();
    for (ByteString e : lengthDelimited(s, 11)) {
      UnknownFieldSet entry = UnknownFieldSet.parseFrom(e);
      assertThat(entry.getField(2).getFixed64List()).as("metric value is a fixed64 double").hasSize(1);
      metrics.put(string(entry, 1), Double.longBitsToDouble(entry.getField(2).getFixed64List().get(0)));
    }
    Map<String, ByteString> metaStruct = new HashMap<>();
    for (ByteString e : lengthDelimited(s, 13)) {
      UnknownFieldSet entry = UnknownFieldSet.parseFrom(e);
      List<ByteString> v = entry.getField(2).getLengthDelimitedList();
      metaStruct.put(string(entry, 1), v.isEmpty() ? ByteString.EMPTY : v.get(0));
    }
    List<Link> links = new ArrayList<>();
    for (ByteString b : lengthDelimited(s, 14)) {
      UnknownFieldSet l = UnknownFieldSet.parseFrom(b);
      Map<String, String> attrs = new HashMap<>();
      for (ByteString e : lengthDelimited(l, 4)) {
        UnknownFieldSet entry = UnknownFieldSet.parseFrom(e);
        attrs.put(string(entry, 1), string(entry, 2));
      }
      links.add(new Link(varint(l, 1), varint(l, 2), varint(l, 3), attrs, string(l, 5), (int) varint(l, 6)));
    }
    return new DecodedSpan(string(s, 1), string(s, 2), string(s, 3), varint(s, 4), varint(s, 5), varint(s, 6),
        varint(s, 7), varint(s, 8), (int) varint(s, 9), meta, metrics, string(s, 12), metaStruct, links);
  }

  private static List<ByteString> lengthDelimited(UnknownFieldSet m, int field) {
    return m.hasField(field) ? m.getField(field).getLengthDelimitedList() : List.of();
  }

  private static String string(UnknownFieldSet m, int field) {
    List<ByteString> v = lengthDelimited(m, field);
    assertThat(v.size()).as("field %d occurs at most once", field).isLessThanOrEqualTo(1);
    return v.isEmpty() ? "" : v.get(0).toString(StandardCharsets.UTF_8);
  }

  private static long varint(UnknownFieldSet m, int field) {
    if (!m.hasField(field)) return 0;
    List<Long> v = m.getField(field).getVarintList();
    assertThat(v).as("field %d is one varint", field).hasSize(1);
    return v.get(0);
  }

  private static double dbl(UnknownFieldSet m, int field) {
    if (!m.hasField(field)) return 0;
    return Double.longBitsToDouble(m.getField(field).getFixed64List().get(0));
  }

  // ---- comparison with what was sent ----------------------------------------------------------

  /** The chunk priority the intake must see (see IntakeAssembler). */
  public static int expectedPriority(TraceChunk c) {
    if (c.priority() != Priority.NONE) return c.priority();
    Double fallback = null;
    for (Span s : c.spans()) {
      Double p = s.metrics().get(Priority.METRIC);
      if (p == null) continue;
      if (s.parentId() == 0) return p.intValue();
      if (fallback == null) fallback = p;
    }
    return fallback != null ? fallback.intValue() : Priority.AUTO_KEEP;
  }

  /** Top-level by the rule of docs/forward.md ("Payloads"), computed the slow, obvious way. */
  public static boolean topLevel(TraceChunk c, Span s) {
    if (s.parentId() == 0) return true;
    for (Span p : c.spans()) {
      if (p.spanId() == s.parentId()) return !p.service().equals(s.service());
    }
    return true;
  }

  /** One decoded chunk against the chunk that was submitted. */
  public static void assertChunk(Chunk actual, TraceChunk expected) {
    String trace = Long.toUnsignedString(expected.traceId());
    assertThat(actual.priority()).as("priority of %s", trace).isEqualTo(expectedPriority(expected));
    assertThat(actual.origin()).as("origin of %s", trace).isEqualTo(expected.origin());
    assertThat(actual.droppedTrace()).as("dropped_trace of %s", trace).isFalse();
    assertThat(actual.spans()).as("spans of %s", trace).hasSize(expected.size());
    for (int i = 0; i < expected.size(); i++) assertSpan(actual.spans().get(i), expected.spans().get(i), expected);
  }

  private static void assertSpan(DecodedSpan a, Span e, TraceChunk chunk) {
    String id = Long.toUnsignedString(e.spanId());
    assertThat(a.service()).as("service of %s", id).isEqualTo(TestTraces.wire(e.service()));
    assertThat(a.name()).as("name of %s", id).isEqualTo(TestTraces.wire(e.name()));
    assertThat(a.resource()).as("resource of %s", id).isEqualTo(TestTraces.wire(e.resource()));
    assertThat(a.type()).as("type of %s", id).isEqualTo(TestTraces.wire(e.type()));
    assertThat(a.traceId()).as("trace_id of %s", id).isEqualTo(e.traceId());
    assertThat(a.spanId()).as("span_id").isEqualTo(e.spanId());
    assertThat(a.parentId()).as("parent_id of %s", id).isEqualTo(e.parentId());
    assertThat(a.start()).as("start of %s", id).isEqualTo(e.startNanos());
    assertThat(a.duration()).as("duration of %s", id).isEqualTo(e.durationNanos());
    assertThat(a.error()).as("error of %s", id).isEqualTo(e.error());
    assertThat(a.meta()).as("meta of %s", id).isEqualTo(TestTraces.wire(e.meta()));
    Map<String, Double> metrics = new HashMap<>();
    e.metrics().forEach((k, v) -> metrics.put(TestTraces.wire(k), v));
    metrics.remove("_top_level");
    if (topLevel(chunk, e)) metrics.put("_top_level", 1.0);
    assertThat(a.metrics()).as("metrics of %s", id).isEqualTo(metrics);
    Map<String, ByteString> metaStruct = new HashMap<>();
    e.metaStruct().forEach((k, v) -> metaStruct.put(TestTraces.wire(k), ByteString.copyFrom(v)));
    assertThat(a.metaStruct()).as("meta_struct of %s", id).isEqualTo(metaStruct);
    assertThat(a.links()).as("span_links of %s", id).hasSize(e.spanLinks().size());
    for (int i = 0; i < e.spanLinks().size(); i++) {
      SpanLink l = e.spanLinks().get(i);
      Link got = a.links().get(i);
      assertThat(got.traceId()).as("link trace_id of %s", id).isEqualTo(l.traceId());
      assertThat(got.traceIdHigh()).as("link trace_id_high of %s", id).isEqualTo(l.traceIdHigh());
      assertThat(got.spanId()).as("link span_id of %s", id).isEqualTo(l.spanId());
      assertThat(got.attributes()).as("link attributes of %s", id).isEqualTo(TestTraces.wire(l.attributes()));
      assertThat(got.tracestate()).as("link tracestate of %s", id).isEqualTo(l.tracestate());
      assertThat(got.flags()).as("link flags of %s", id).isEqualTo(l.flags() == 0 ? 0 : (int) (l.flags() | 0x8000_0000L));
    }
  }
}
