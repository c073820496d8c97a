package org.xraybridge.model;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The result of converting the documents of one X-Ray trace: the spans, and what the stitcher and
 * the source need to know besides.
 *
 * @param traceId Datadog trace id by the id codec (docs/conversion.md §1), before stitching
 * @param env env of this X-Ray half (docs/conversion.md §6), already on every span
 * @param emittedSegmentIds ids of the documents that produced spans (the source marks them delivered)
 * @param heldSegmentIds ids of in-progress documents held back until complete or timed out (§2)
 * @param rejectedSegmentIds ids of documents rejected with a counted reason (never retried)
 */
public record ConvertedTrace(
    String xrayTraceId,
    long traceId,
    Half half,
    List<Span> spans,
    String env,
    DatadogContext datadog,
    Set<String> emittedSegmentIds,
    Set<String> heldSegmentIds,
    Set<String> rejectedSegmentIds) {

  public ConvertedTrace {
    Objects.requireNonNull(xrayTraceId, "xrayTraceId == null");
    Objects.requireNonNull(half, "half == null");
    spans = List.copyOf(spans);
    Objects.requireNonNull(env, "env == null");
    Objects.requireNonNull(datadog, "datadog == null");
    emittedSegmentIds = Set.copyOf(emittedSegmentIds);
    heldSegmentIds = Set.copyOf(heldSegmentIds);
    rejectedSegmentIds = Set.copyOf(rejectedSegmentIds);
  }

  public TraceKey key() {
    return TraceKey.of(traceId);
  }
}
