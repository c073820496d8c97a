package org.xraybridge.explain;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.xraybridge.explain.TraceRecord.NativeEvent;
import org.xraybridge.explain.TraceRecord.XRayEvent;
import org.xraybridge.model.DatadogContext;
import org.xraybridge.model.Half;
import org.xraybridge.model.Priority;
import org.xraybridge.model.Span;
import org.xraybridge.model.StitchResult.Outcome;

/**
 * Builds the full JSON record of one trace from a {@link TraceRecord.Snapshot}, outside the
 * recorder's lock, with a sentence per decision that says what happened and why (docs/stitching.md).
 */
final class Details {

  private Details() {}

  static ExplainView.Detail of(TraceRecord.Snapshot s) {
    ExplainView.Summary sum = s.summary();
    return new ExplainView.Detail(sum, Ids.hex(s.traceIdHigh()), envsByHalf(s.events()), drops(s.events()),
        decisions(s.events(), sum.traceKey()), spans(s), s.omittedSpans(), s.omittedDecisions());
  }

  private static Map<String, List<String>> envsByHalf(List<Object> events) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (Object o : events) {
      String half = o instanceof NativeEvent ? Half.NATIVE.tag() : ((XRayEvent) o).half().tag();
      String env = o instanceof NativeEvent n ? n.env() : ((XRayEvent) o).env();
      List<String> envs = out.computeIfAbsent(half, h -> new ArrayList<>(1));
      if (!envs.contains(env)) envs.add(env);
    }
    return out;
  }

  private static List<ExplainView.Drop> drops(List<Object> events) {
    int[] sampledOut = new int[Half.values().length];
    int[] duplicates = new int[Half.values().length];
    for (Object o : events) {
      if (o instanceof XRayEvent x) {
        if (x.outcome() == Outcome.SAMPLED_OUT) sampledOut[x.half().ordinal()] += x.spans();
        duplicates[x.half().ordinal()] += x.duplicates();
      }
    }
    List<ExplainView.Drop> out = new ArrayList<>();
    for (Half h : Half.values()) {
      int n = sampledOut[h.ordinal()];
      if (n > 0) {
        out.add(new ExplainView.Drop("sampled_out", h.tag(), n,
            n + " " + h.tag() + " span(s) dropped: the trace's sampling decision is drop, and a trace is never forwarded half"));
      }
      int d = duplicates[h.ordinal()];
      if (d > 0) {
        out.add(new ExplainView.Drop("duplicate", h.tag(), d, d + " " + h.tag() + " span(s) dropped: already forwarded (same trace and span id)"));
      }
    }
    return out;
  }

  private static List<ExplainView.Decision> decisions(List<Object> events, String traceKey) {
    List<ExplainView.Decision> out = new ArrayList<>(events.size());
    for (Object o : events) out.add(o instanceof NativeEvent n ? nativeDecision(n) : xrayDecision((XRayEvent) o, traceKey));
    return out;
  }

  private static ExplainView.NativeDecision nativeDecision(NativeEvent n) {
    boolean followed = n.priority() != n.ownPriority();
    String decidedBy = followed ? "xray" : Half.NATIVE.tag();
    StringBuilder why = new StringBuilder()
        .append("Tracer's half: ").append(n.chunks()).append(n.chunks() == 1 ? " chunk, " : " chunks, ").append(n.spans())
        .append(" span(s), env ").append(TraceRecord.q(n.env())).append(", trace id ").append(Ids.dec(n.traceId()))
        .append(", tracer priority ").append(n.ownPriority()).append(" (").append(Ids.priorityName(n.ownPriority())).append(").");
    if (followed) {
      why.append(" An X-Ray half decided this trace first: its chunks carry priority ").append(n.priority())
          .append(" (").append(Ids.priorityName(n.priority())).append(").");
    } else {
      why.append(" Recorded in the trace index: later X-Ray halves of this trace key follow it.");
    }
    return new ExplainView.NativeDecision("native", n.atNanos(), Half.NATIVE.tag(), n.chunks(), n.spans(), n.env(), Ids.dec(n.traceId()),
        Ids.hex(n.traceId()), n.tracer(), n.ownPriority(), Ids.sampling(n.priority(), decidedBy), why.toString());
  }

  private static ExplainView.XRayDecision xrayDecision(XRayEvent x, String traceKey) {
    StringBuilder why = new StringBuilder();
    DatadogContext dd = x.datadog();
    Map<String, String> metadata = Map.of();
    if (dd.present()) {
      metadata = new LinkedHashMap<>();
      metadata.put("traceId", Ids.dec(dd.traceId()));
      metadata.put("traceIdHex", Ids.hex(dd.traceId()));
      metadata.put("parentId", Ids.dec(dd.parentId()));
      metadata.put("parentIdHex", Ids.hex(dd.parentId()));
      metadata.put("samplingPriority", dd.samplingPriority() == Priority.NONE ? "" : Integer.toString(dd.samplingPriority()));
      why.append("Re-keyed by a datadog-metadata subsegment: trace id ").append(Ids.dec(dd.traceId()));
      if (dd.parentId() != 0) why.append(", X-Ray root under span ").append(Ids.dec(dd.parentId()));
      if (dd.samplingPriority() != Priority.NONE) why.append(", sampling priority ").append(dd.samplingPriority());
      why.append(" (the X-Ray id alone maps to ").append(Ids.dec(x.convertedTraceId())).append("). ");
    }
    String p = x.priority() + " (" + Ids.priorityName(x.priority()) + ")";
    switch (x.outcome()) {
      case JOINED -> why.append("Index hit: the tracer's half of trace key ").append(traceKey).append(" is known with env ")
          .append(TraceRecord.q(x.indexEnv())).append(", the same as this half's: the X-Ray spans take its trace id ")
          .append(Ids.dec(x.forwardedTraceId())).append(", its _dd.p.tid and its decision, priority ").append(p)
          .append(" made by the ").append(x.decidedBy().tag()).append(" half.");
      case JOINED_XRAY -> why.append("Index hit on an earlier X-Ray half of this trace (no tracer half seen yet): same decision, priority ")
          .append(p).append(".");
      case INDEX_MISS -> {
        why.append("Index miss: no half of trace key ").append(traceKey)
            .append(" was in the trace index (none seen within bridge.merge.index-ttl, or evicted early), so this X-Ray half decides the trace: priority ")
            .append(p);
        why.append(dd.present() && dd.samplingPriority() != Priority.NONE ? ", from datadog-metadata." : ", as X-Ray stores only sampled traces.");
      }
      case ENV_MISMATCH -> why.append("Index hit, env mismatch: the index holds this trace key with env ").append(TraceRecord.q(x.indexEnv()))
          .append(", this X-Ray half has env ").append(TraceRecord.q(x.env()))
          .append(". Emitted unchanged with its own decision, priority ").append(p)
          .append("; not joined (set bridge.xray.env, an env annotation or bridge.convert.env-rules to match).");
      case SAMPLED_OUT -> why.append("Sampled out: the trace's decision is priority ").append(p).append(", made by the ")
          .append(x.decidedBy().tag()).append(" half; this X-Ray half's ").append(x.spans())
          .append(" span(s) were dropped, never forwarded half.");
    }
    if (x.duplicates() > 0) why.append(' ').append(x.duplicates()).append(" span(s) dropped as duplicates: already forwarded.");
    int sampledOut = x.outcome() == Outcome.SAMPLED_OUT ? x.spans() : 0;
    return new ExplainView.XRayDecision("xray", x.atNanos(), x.half().tag(), x.xrayTraceId(), x.spans(), x.env(), x.indexHit(), x.indexEnv(),
        x.outcome().tag(), dd.present(), metadata, Ids.dec(x.forwardedTraceId()), Ids.hex(x.forwardedTraceId()),
        Ids.dec(x.convertedTraceId()), Ids.hex(x.convertedTraceId()), Ids.sampling(x.priority(), x.decidedBy().tag()), x.duplicates(),
        sampledOut, why.toString());
  }

  private static List<ExplainView.SpanRow> spans(TraceRecord.Snapshot s) {
    Span[] spans = s.spans();
    long start = Long.MAX_VALUE;
    for (Span span : spans) start = Math.min(start, span.startNanos());
    List<ExplainView.SpanRow> out = new ArrayList<>(spans.length);
    for (int i = 0; i < spans.length; i++) {
      Span span = spans[i];
      out.add(new ExplainView.SpanRow(Ids.dec(span.spanId()), Ids.hex(span.spanId()), Ids.dec(span.parentId()), Ids.hex(span.parentId()),
          Ids.dec(span.traceId()), Ids.hex(span.traceId()), s.half(i).tag(), span.service(), span.name(), span.resource(), span.type(),
          span.startNanos(), span.startNanos() - start, span.durationNanos(), span.error() != 0 ? 1 : 0, span.meta(), finite(span.metrics())));
    }
    return out;
  }

  /** JSON has no NaN or infinity: such metrics are left out. */
  private static Map<String, Double> finite(Map<String, Double> metrics) {
    for (Double v : metrics.values()) {
      if (!Double.isFinite(v)) {
        Map<String, Double> out = new LinkedHashMap<>();
        metrics.forEach((k, d) -> {
          if (Double.isFinite(d)) out.put(k, d);
        });
        return out;
      }
    }
    return metrics;
  }
}
