package org.xraybridge.forward.agent;

import static org.xraybridge.forward.agent.MsgpackBuffer.SIZE_OF_DOUBLE;
import static org.xraybridge.forward.agent.MsgpackBuffer.sizeOfArrayHeader;
import static org.xraybridge.forward.agent.MsgpackBuffer.sizeOfBinary;
import static org.xraybridge.forward.agent.MsgpackBuffer.sizeOfMapHeader;
import static org.xraybridge.forward.agent.MsgpackBuffer.sizeOfSigned;
import static org.xraybridge.forward.agent.MsgpackBuffer.sizeOfString;
import static org.xraybridge.forward.agent.MsgpackBuffer.sizeOfUnsigned;

import java.util.List;
import java.util.Map;
import org.xraybridge.model.FlatMap;
import org.xraybridge.model.Priority;
import org.xraybridge.model.Span;
import org.xraybridge.model.SpanLink;
import org.xraybridge.model.TraceChunk;

/**
 * Writes one {@link TraceChunk} as a v0.4 trace: a msgpack array of span maps (docs/forward.md,
 * "Payloads").
 *
 * <p>Sizes first: {@link #sizeOf} gives the exact byte count, so the caller knows whether the trace
 * fits the current payload before a byte is written, and {@link #write} then writes without
 * checks. Keys are precomputed msgpack strings; each map header count is known before the map is
 * written, and the numbered comments in {@link #writeSpan} keep it honest (as dd-trace-java's
 * {@code TraceMapperV0_4}: 12 keys, plus {@code meta_struct} and {@code span_links} when present).
 *
 * <p>The chunk's priority reaches the Agent the way a tracer sends it: as metric {@code
 * _sampling_priority_v1} on the chunk's first span, added (or its value replaced) unless that span
 * already carries the same value. {@link Priority#NONE} writes nothing and leaves the decision to
 * the Agent.
 *
 * <p>A native span that kept its wire bytes is copied, its priority patched in ({@link RawSpans}).
 *
 * <p>Stateless and thread-safe; the buffer is the caller's.
 */
public final class V04TraceWriter {
  private static final byte[] SERVICE = MsgpackBuffer.constant("service");
  private static final byte[] NAME = MsgpackBuffer.constant("name");
  private static final byte[] RESOURCE = MsgpackBuffer.constant("resource");
  private static final byte[] TRACE_ID = MsgpackBuffer.constant("trace_id");
  private static final byte[] SPAN_ID = MsgpackBuffer.constant("span_id");
  private static final byte[] PARENT_ID = MsgpackBuffer.constant("parent_id");
  private static final byte[] START = MsgpackBuffer.constant("start");
  private static final byte[] DURATION = MsgpackBuffer.constant("duration");
  private static final byte[] ERROR = MsgpackBuffer.constant("error");
  private static final byte[] TYPE = MsgpackBuffer.constant("type");
  private static final byte[] META = MsgpackBuffer.constant("meta");
  private static final byte[] METRICS = MsgpackBuffer.constant("metrics");
  private static final byte[] META_STRUCT = MsgpackBuffer.constant("meta_struct");
  private static final byte[] SPAN_LINKS = MsgpackBuffer.constant("span_links");
  private static final byte[] LINK_TRACE_ID_HIGH = MsgpackBuffer.constant("trace_id_high");
  private static final byte[] LINK_ATTRIBUTES = MsgpackBuffer.constant("attributes");
  private static final byte[] LINK_TRACESTATE = MsgpackBuffer.constant("tracestate");
  private static final byte[] LINK_FLAGS = MsgpackBuffer.constant("flags");
  private static final byte[] PRIORITY_KEY = MsgpackBuffer.constant(Priority.METRIC);

  /** The keys every span map has: service … metrics. */
  private static final int FIXED_KEYS = 12;

  /** High bit of a present span-link {@code flags}: it tells "flags 0" from "no flags" (docs/forward.md). */
  static final long LINK_FLAGS_SET = 0x8000_0000L;

  /** Exact size of the trace {@link #write} would write. */
  public int sizeOf(TraceChunk chunk) {
    List<Span> spans = chunk.spans();
    int n = spans.size();
    int injected = injectedPriority(chunk);
    int size = sizeOfArrayHeader(n);
    for (int i = 0; i < n; i++) {
      size += sizeOfSpan(spans.get(i), i == 0 ? injected : Priority.NONE);
    }
    return size;
  }

  /** Exact size of one span as {@link #write} writes it when no priority is added. */
  public int sizeOfSpan(Span span) {
    return sizeOfSpan(span, Priority.NONE);
  }

  /** Writes the trace; the caller made room for {@link #sizeOf} bytes. */
  public void write(TraceChunk chunk, MsgpackBuffer out) {
    List<Span> spans = chunk.spans();
    int n = spans.size();
    int injected = injectedPriority(chunk);
    out.writeArrayHeader(n);
    for (int i = 0; i < n; i++) {
      writeSpan(spans.get(i), i == 0 ? injected : Priority.NONE, out);
    }
  }

  /**
   * The priority to write on the first span, or {@link Priority#NONE} when nothing needs writing
   * (no chunk priority, or the span already says the same).
   */
  static int injectedPriority(TraceChunk chunk) {
    int p = chunk.priority();
    if (p == Priority.NONE || chunk.spans().isEmpty()) return Priority.NONE;
    Double present = chunk.spans().get(0).metrics().get(Priority.METRIC);
    return present != null && present == p ? Priority.NONE : p;
  }

  private static int metricCount(Span span, int injected) {
    int n = span.metrics().size();
    if (injected != Priority.NONE && !span.metrics().containsKey(Priority.METRIC)) n++;
    return n;
  }

  private static int sizeOfSpan(Span s, int injected) {
    if (s.bytes().present()) return RawSpans.size(s.bytes(), RawSpans.patch(s, injected));
    int keys = FIXED_KEYS;
    int size = SERVICE.length + sizeOfString(s.service())
        + NAME.length + sizeOfString(s.name())
        + RESOURCE.length + sizeOfString(s.resource())
        + TRACE_ID.length + sizeOfUnsigned(s.traceId())
        + SPAN_ID.length + sizeOfUnsigned(s.spanId())
        + PARENT_ID.length + sizeOfUnsigned(s.parentId())
        + START.length + sizeOfSigned(s.startNanos())
        + DURATION.length + sizeOfSigned(s.durationNanos())
        + ERROR.length + sizeOfSigned(s.error())
        + TYPE.length + sizeOfString(s.type());
    FlatMap<String> meta = flat(s.meta());
    size += META.length + sizeOfMapHeader(meta.size());
    for (int i = 0; i < meta.size(); i++) size += sizeOfString(meta.keyAt(i)) + sizeOfString(meta.valueAt(i));
    FlatMap<Double> metricMap = flat(s.metrics());
    int metrics = metricCount(s, injected);
    size += METRICS.length + sizeOfMapHeader(metrics);
    for (int i = 0; i < metricMap.size(); i++) size += sizeOfString(metricMap.keyAt(i)) + SIZE_OF_DOUBLE;
    if (metrics > s.metrics().size()) size += PRIORITY_KEY.length + SIZE_OF_DOUBLE;
    if (!s.metaStruct().isEmpty()) {
      keys++;
      size += META_STRUCT.length + sizeOfMapHeader(s.metaStruct().size());
      for (Map.Entry<String, byte[]> e : s.metaStruct().entrySet()) {
        size += sizeOfString(e.getKey()) + sizeOfBinary(e.getValue().length);
      }
    }
    if (!s.spanLinks().isEmpty()) {
      keys++;
      List<SpanLink> links = s.spanLinks();
      size += SPAN_LINKS.length + sizeOfArrayHeader(links.size());
      for (int i = 0; i < links.size(); i++) size += sizeOfLink(links.get(i));
    }
    return size + sizeOfMapHeader(keys);
  }

  private static void writeSpan(Span s, int injected, MsgpackBuffer out) {
    if (s.bytes().present()) {
      RawSpans.write(s.bytes(), RawSpans.patch(s, injected), out);
      return;
    }
    boolean metaStruct = !s.metaStruct().isEmpty();
    boolean links = !s.spanLinks().isEmpty();
    out.writeMapHeader(FIXED_KEYS + (metaStruct ? 1 : 0) + (links ? 1 : 0));
    /* 1 */ out.writeRaw(SERVICE);
    out.writeString(s.service());
    /* 2 */ out.writeRaw(NAME);
    out.writeString(s.name());
    /* 3 */ out.writeRaw(RESOURCE);
    out.writeString(s.resource());
    /* 4 */ out.writeRaw(TRACE_ID);
    out.writeUnsigned(s.traceId());
    /* 5 */ out.writeRaw(SPAN_ID);
    out.writeUnsigned(s.spanId());
    /* 6 */ out.writeRaw(PARENT_ID);
    out.writeUnsigned(s.parentId());
    /* 7 */ out.writeRaw(START);
    out.writeSigned(s.startNanos());
    /* 8 */ out.writeRaw(DURATION);
    out.writeSigned(s.durationNanos());
    /* 9 */ out.writeRaw(ERROR);
    out.writeSigned(s.error());
    /* 10 */ out.writeRaw(TYPE);
    out.writeString(s.type());
    /* 11 */ out.writeRaw(META);
    FlatMap<String> meta = flat(s.meta());
    out.writeMapHeader(meta.size());
    for (int i = 0; i < meta.size(); i++) {
      out.writeString(meta.keyAt(i));
      out.writeString(meta.valueAt(i));
    }
    /* 12 */ out.writeRaw(METRICS);
    FlatMap<Double> metricMap = flat(s.metrics());
    int metrics = metricCount(s, injected);
    out.writeMapHeader(metrics);
    for (int i = 0; i < metricMap.size(); i++) {
      String key = metricMap.keyAt(i);
      out.writeString(key);
      boolean replaced = injected != Priority.NONE && Priority.METRIC.equals(key);
      out.writeDouble(replaced ? injected : metricMap.valueAt(i));
    }
    if (metrics > s.metrics().size()) {
      out.writeRaw(PRIORITY_KEY);
      out.writeDouble(injected);
    }
    if (metaStruct) {
      /* 13 */ out.writeRaw(META_STRUCT);
      out.writeMapHeader(s.metaStruct().size());
      for (Map.Entry<String, byte[]> e : s.metaStruct().entrySet()) {
        out.writeString(e.getKey());
        out.writeBinary(e.getValue());
      }
    }
    if (links) {
      /* 14 */ out.writeRaw(SPAN_LINKS);
      List<SpanLink> all = s.spanLinks();
      out.writeArrayHeader(all.size());
      for (int i = 0; i < all.size(); i++) writeLink(all.get(i), out);
    }
  }

  private static int linkKeys(SpanLink l) {
    return 3 + (l.attributes().isEmpty() ? 0 : 1) + (l.tracestate().isEmpty() ? 0 : 1) + (l.flags() == 0 ? 0 : 1);
  }

  private static int sizeOfLink(SpanLink l) {
    int size = sizeOfMapHeader(linkKeys(l))
        + TRACE_ID.length + sizeOfUnsigned(l.traceId())
        + LINK_TRACE_ID_HIGH.length + sizeOfUnsigned(l.traceIdHigh())
        + SPAN_ID.length + sizeOfUnsigned(l.spanId());
    if (!l.attributes().isEmpty()) {
      size += LINK_ATTRIBUTES.length + sizeOfMapHeader(l.attributes().size());
      for (Map.Entry<String, String> e : l.attributes().entrySet()) {
        size += sizeOfString(e.getKey()) + sizeOfString(e.getValue());
      }
    }
    if (!l.tracestate().isEmpty()) size += LINK_TRACESTATE.length + sizeOfString(l.tracestate());
    if (l.flags() != 0) size += LINK_FLAGS.length + sizeOfUnsigned(linkFlags(l));
    return size;
  }

  private static void writeLink(SpanLink l, MsgpackBuffer out) {
    out.writeMapHeader(linkKeys(l));
    /* 1 */ out.writeRaw(TRACE_ID);
    out.writeUnsigned(l.traceId());
    /* 2 */ out.writeRaw(LINK_TRACE_ID_HIGH);
    out.writeUnsigned(l.traceIdHigh());
    /* 3 */ out.writeRaw(SPAN_ID);
    out.writeUnsigned(l.spanId());
    if (!l.attributes().isEmpty()) {
      /* 4 */ out.writeRaw(LINK_ATTRIBUTES);
      out.writeMapHeader(l.attributes().size());
      for (Map.Entry<String, String> e : l.attributes().entrySet()) {
        out.writeString(e.getKey());
        out.writeString(e.getValue());
      }
    }
    if (!l.tracestate().isEmpty()) {
      /* 5 */ out.writeRaw(LINK_TRACESTATE);
      out.writeString(l.tracestate());
    }
    if (l.flags() != 0) {
      /* 6 */ out.writeRaw(LINK_FLAGS);
      out.writeUnsigned(linkFlags(l));
    }
  }

  /**
   * The span's tags as a {@link FlatMap} for allocation-free indexed loops ({@link Span} always
   * holds one; any other map is copied once).
   */
  @SuppressWarnings("unchecked")
  static <V> FlatMap<V> flat(Map<String, V> m) {
    return m instanceof FlatMap<?> f ? (FlatMap<V>) f : (FlatMap<V>) FlatMap.copyOf(m);
  }

  /** uint32 flags with the "set" bit the Agent expects when flags are present. */
  static long linkFlags(SpanLink l) {
    return (l.flags() | LINK_FLAGS_SET) & 0xFFFF_FFFFL;
  }
}
