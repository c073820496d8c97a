package org.xraybridge.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * docs/stitching.md rule 2, the re-keying by a {@code datadog-metadata} subsegment: every span of the
 * X-Ray half takes the Datadog trace id the subsegment names, the X-Ray roots hang under the span it
 * names, and the function's span takes the trigger tags. It decides the half's {@link TraceKey}, so it
 * lives beside it: the merge stage applies it before joining, and in kafka mode the cluster producer
 * applies it before producing, so both halves of a trace are keyed alike and meet in one partition
 * (docs/cluster.md). Idempotent: applied to spans it already re-keyed, it changes nothing and builds
 * nothing. Pure.
 */
public final class Rekeying {

  private static final String FUNCTION_SPAN = "aws.lambda.function";

  private Rekeying() {}

  /** The trace key the half is joined and partitioned by: the datadog-metadata trace id when present. */
  public static TraceKey keyOf(ConvertedTrace trace) {
    return TraceKey.of(trace.datadog().present() ? trace.datadog().traceId() : trace.traceId());
  }

  /** The half with its spans re-keyed (unchanged when it has no datadog-metadata). */
  public static ConvertedTrace apply(ConvertedTrace t) {
    if (!t.datadog().present()) return t;
    List<Span> spans = spans(t.spans(), t.datadog());
    if (spans == t.spans()) return t;
    return new ConvertedTrace(t.xrayTraceId(), t.traceId(), t.half(), spans, t.env(), t.datadog(), t.emittedSegmentIds(),
        t.heldSegmentIds(), t.rejectedSegmentIds());
  }

  /** The spans re-keyed by {@code dd}; the same list when nothing changes. */
  public static List<Span> spans(List<Span> spans, DatadogContext dd) {
    if (!dd.present()) return spans;
    boolean functionFound = false;
    for (Span s : spans) if (s.spanId() == dd.functionSpanId()) functionFound = true;
    List<Span> out = null;
    for (int i = 0; i < spans.size(); i++) {
      Span s = spans.get(i);
      boolean function = functionFound ? s.spanId() == dd.functionSpanId() : s.name().equals(FUNCTION_SPAN);
      boolean reparent = s.parentId() == 0 && dd.parentId() != 0;
      boolean tag = function && !hasTags(s, dd.functionTags());
      if (s.traceId() != dd.traceId() || reparent || tag) {
        if (out == null) out = new ArrayList<>(spans.subList(0, i));
        Span.Builder b = s.toBuilder().traceId(dd.traceId());
        if (reparent) b.parentId(dd.parentId());
        if (tag) for (Map.Entry<String, String> e : dd.functionTags().entrySet()) b.putMeta(e.getKey(), e.getValue());
        out.add(b.build());
      } else if (out != null) {
        out.add(s);
      }
    }
    return out == null ? spans : out;
  }

  private static boolean hasTags(Span s, Map<String, String> tags) {
    for (Map.Entry<String, String> e : tags.entrySet()) {
      if (!e.getValue().equals(s.meta().get(e.getKey()))) return false;
    }
    return true;
  }
}
