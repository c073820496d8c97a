package org.xraybridge.model;

import java.util.Objects;

/**
 * What the trace index remembers of one trace (docs/stitching.md), as the merge stage journals it and a
 * rebuild puts it back (docs/cluster.md, "Rebalance without forgetting").
 *
 * @param traceId the native Datadog trace id once a tracer's spans were seen, else the X-Ray half's
 * @param traceIdHigh the native {@code _dd.p.tid}, 0 when unknown
 * @param env env of the half that wrote the entry
 * @param priority the trace's one sampling decision
 * @param decidedBy the half seen first
 * @param nativeSeen a tracer's chunk of the trace was seen
 * @param firstSeenSeconds epoch seconds of the first sight
 */
public record TraceState(
    long traceId, long traceIdHigh, String env, int priority, Half decidedBy, boolean nativeSeen, long firstSeenSeconds) {

  public TraceState {
    Objects.requireNonNull(env, "env == null");
    Objects.requireNonNull(decidedBy, "decidedBy == null");
  }
}
