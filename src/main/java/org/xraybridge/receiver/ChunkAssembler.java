package org.xraybridge.receiver;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.xraybridge.model.Half;
import org.xraybridge.model.Names;
import org.xraybridge.model.Priority;
import org.xraybridge.model.Span;
import org.xraybridge.model.SpanLink;
import org.xraybridge.model.TimeCodec;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.model.TracerInfo;

/**
 * Collects the spans of one trace element of a payload, drops the ones that break the wire contract
 * (a zero or foreign id), and builds the {@link TraceChunk} with the fields the Agent derives from the
 * spans: root, priority, origin, env (docs/receiver.md, "Chunks"). Shared by the v0.4, v0.5 and JSON
 * decoders so the rules exist once. Reused for every trace of a payload ({@link #begin}); not
 * thread-safe.
 */
final class ChunkAssembler {

  private final ArrayList<Span> spans = new ArrayList<>();
  private final DecodeResult out;
  private boolean open;
  private long traceId;

  ChunkAssembler(DecodeResult out) {
    this.out = out;
  }

  /**
   * A span from its decoded fields, with the Agent's repairs (docs/receiver.md, "Repairs"), each counted in {@code
   * out}: negative duration → 0; start + duration overflowing → duration 0; start before 2000 → now
   * − duration. Far-future starts are kept, as the Agent keeps them.
   */
  static Span span(
      DecodeResult out, LongSupplier nowNanos,
      long traceId, long spanId, long parentId, long start, long duration, int error,
      String service, String name, String resource, String type,
      Map<String, String> meta, Map<String, Double> metrics, Map<String, byte[]> metaStruct,
      List<SpanLink> links) {
    if (duration < 0) {
      duration = 0;
      out.repairedDurations++;
    }
    if (start > Long.MAX_VALUE - duration) {
      duration = 0;
      out.repairedDurations++;
    }
    if (start < TimeCodec.YEAR_2000_NANOS) {
      start = nowNanos.getAsLong() - duration;
      out.repairedStarts++;
    }
    return new Span(traceId, spanId, parentId, start, duration, error, service, name, resource, type,
        meta, metrics, metaStruct, links);
  }

  void begin() {
    spans.clear();
    traceId = 0;
    open = true;
  }

  /** A span element that could not be decoded as a span (its framing was intact). */
  void malformedSpan() {
    out.spansReceived++;
    out.spansMalformed++;
  }

  void add(Span span) {
    out.spansReceived++;
    if (span.traceId() == 0 || span.spanId() == 0) {
      out.spansInvalid++;
      return;
    }
    if (spans.isEmpty()) {
      traceId = span.traceId();
    } else if (span.traceId() != traceId) {
      out.spansInvalid++;
      return;
    }
    spans.add(span);
  }

  /** The trace element ended: its chunk (if any span survived) joins the result. */
  void finish(TracerInfo tracer) {
    open = false;
    if (spans.isEmpty()) return;
    Span root = root();
    int priority = priority(root);
    String origin = root.meta("_dd.origin");
    // the Agent tag-normalises env; the X-Ray half's env is normalised too, so the two compare
    String env = Names.env(env(root));
    out.chunks.add(new TraceChunk(traceId, spans, priority, origin, env, Half.NATIVE, tracer));
    spans.clear();
  }

  /** The body ended (or broke) inside this trace: what was decoded of it is dropped as malformed. */
  void abandon() {
    if (!open) return;
    open = false;
    out.spansMalformed += spans.size();
    spans.clear();
  }

  private Span root() {
    int n = spans.size();
    for (int i = n - 1; i >= 0; i--) {
      if (spans.get(i).parentId() == 0) return spans.get(i);
    }
    // Small traces are the rule: a nested scan beats building a set of span ids.
    if (n <= 64) {
      for (int i = 0; i < n; i++) {
        long parent = spans.get(i).parentId();
        boolean found = false;
        for (int j = 0; j < n && !found; j++) found = spans.get(j).spanId() == parent;
        if (!found) return spans.get(i);
      }
      return spans.get(n - 1);
    }
    java.util.HashSet<Long> ids = new java.util.HashSet<>(n * 2);
    for (int i = 0; i < n; i++) ids.add(spans.get(i).spanId());
    for (int i = 0; i < n; i++) {
      if (!ids.contains(spans.get(i).parentId())) return spans.get(i);
    }
    return spans.get(n - 1);
  }

  private int priority(Span root) {
    Double p = root.metrics().get(Priority.METRIC);
    if (p != null) return (int) p.doubleValue();
    for (int i = 0; i < spans.size(); i++) {
      p = spans.get(i).metrics().get(Priority.METRIC);
      if (p != null) return (int) p.doubleValue();
    }
    return Priority.NONE;
  }

  private String env(Span root) {
    String env = root.meta("env");
    if (!env.isEmpty()) return env;
    for (int i = 0; i < spans.size(); i++) {
      env = spans.get(i).meta("env");
      if (!env.isEmpty()) return env;
    }
    return "";
  }
}
