package org.xraybridge.model;

import java.util.Objects;

/**
 * What the stitcher decided for one X-Ray half (docs/stitching.md), for the merge stage, the metrics
 * and the explain view.
 *
 * @param chunk the chunk to forward; {@code null} only when {@code outcome} is {@link Outcome#SAMPLED_OUT}
 * @param indexEnv env of the half the index knew, {@code ""} on an index miss
 * @param rekeyed a {@code datadog-metadata} subsegment re-keyed and re-parented the half
 */
public record StitchResult(
    TraceChunk chunk, Outcome outcome, int priority, Half decidedBy, String indexEnv, boolean rekeyed, int spans) {

  public StitchResult {
    Objects.requireNonNull(outcome, "outcome == null");
    Objects.requireNonNull(decidedBy, "decidedBy == null");
    Objects.requireNonNull(indexEnv, "indexEnv == null");
    if (chunk == null && outcome != Outcome.SAMPLED_OUT) throw new IllegalArgumentException("no chunk for " + outcome);
  }

  /** How the halves met. Metric tag values are the lower-case names. */
  public enum Outcome implements MetricTag {
    /** The index knew the tracer's half and the env matched: same trace id, tid and decision. */
    JOINED,
    /** An earlier X-Ray chunk of the trace was seen (no tracer half yet): its decision holds. */
    JOINED_XRAY,
    /** First sight of the trace: the X-Ray half decides (user keep, or the datadog-metadata priority). */
    INDEX_MISS,
    /** The index knew the trace under another env: emitted unchanged, not joined. */
    ENV_MISMATCH,
    /** The trace's decision is drop: the X-Ray half is dropped too, never forwarded half. */
    SAMPLED_OUT
  }
}
