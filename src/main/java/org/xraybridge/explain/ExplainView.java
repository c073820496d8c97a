package org.xraybridge.explain;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import java.util.List;
import java.util.Map;

/**
 * What the explain API answers, as JSON. Ids are given twice: as the unsigned decimal text Datadog
 * shows and as 16 lower-hex digits (JavaScript numbers cannot hold 64 bits, so neither form is a JSON
 * number). Times are nanoseconds since the epoch; {@code offsetNanos} is relative to the earliest
 * recorded span of the trace. Half tags are {@code Half.tag()}: {@code native}, {@code xray_poll},
 * {@code xray_daemon}, {@code xray_logs}. Absent text is {@code ""}, absent lists and maps are empty; nothing is null.
 */
public final class ExplainView {

  private ExplainView() {}

  /**
   * {@code GET /api/traces}: the recorded traces, newest (most recently updated) first.
   *
   * @param maxTracesPerSecond the sampling rate for traces of a tracer's half alone (X-Ray halves and
   *     stitched traces are always recorded)
   * @param skipped tracer chunks not recorded since start because that rate was spent
   */
  public record TraceList(
      List<Summary> traces, int recorded, int maxTraces, long bytes, long maxBytes, long evicted, int maxTracesPerSecond, long skipped) {}

  /**
   * One line of the list.
   *
   * @param traceKey the merge key (low 63 bits of the Datadog trace id), decimal
   * @param status {@code joined}, {@code env_mismatch}, {@code sampled_out}, {@code index_miss},
   *     {@code native_only}, or {@code unknown} when the decisions were evicted before the spans came
   * @param reason why, in one sentence
   * @param halves halves present among the recorded spans and decisions
   * @param replica the replica that handled the trace (kafka mode: the one whose partition its halves
   *     meet in, docs/cluster.md); {@code ""} in single mode
   */
  public record Summary(
      String traceKey,
      String traceId,
      String traceIdHex,
      List<String> xrayTraceIds,
      List<String> services,
      List<String> envs,
      int spanCount,
      List<String> halves,
      boolean joined,
      String status,
      String reason,
      Sampling decision,
      long firstSeenNanos,
      long lastSeenNanos,
      String replica) {}

  /**
   * The trace's one sampling decision (docs/stitching.md rule 5).
   *
   * @param priority {@code _sampling_priority_v1}; -128 when none was given
   * @param name {@code user_reject}, {@code auto_reject}, {@code auto_keep}, {@code user_keep} or {@code none}
   * @param decidedBy the half whose decision the trace follows
   */
  public record Sampling(int priority, String name, String decidedBy) {}

  /**
   * {@code GET /api/traces/{traceId}}: everything recorded about one trace: its line of the list, with
   * the members below beside the summary's in one JSON object.
   *
   * @param traceIdHigh the tracer's {@code _dd.p.tid} (16 hex), {@code ""} when unknown
   * @param envsByHalf env of each half, as the chunks carried it
   * @param drops spans of this trace that the merge stage did not hand on, by reason
   * @param decisions the stitching decisions, oldest first
   * @param spans the spans as handed on to the forward stage, in the order they were
   * @param omittedSpans spans handed on but not kept here (the trace outgrew its share of {@code max-bytes})
   * @param omittedDecisions decisions not kept here (a trace keeps its first 64)
   */
  public record Detail(
      @JsonUnwrapped Summary summary,
      String traceIdHigh,
      Map<String, List<String>> envsByHalf,
      List<Drop> drops,
      List<Decision> decisions,
      List<SpanRow> spans,
      int omittedSpans,
      int omittedDecisions) {}

  /** Spans dropped by the merge stage: {@code reason} is {@code sampled_out} or {@code duplicate}. */
  public record Drop(String reason, String half, int spans, String explanation) {}

  /** One stitching decision; {@code kind} is {@code native} or {@code xray}. */
  public sealed interface Decision permits NativeDecision, XRayDecision {
    String kind();

    String explanation();
  }

  /**
   * A tracer's chunks taken in (consecutive chunks with the same env and priorities are counted together).
   *
   * @param ownPriority what the tracer said
   * @param priority what the trace's decision made of it
   */
  public record NativeDecision(
      String kind,
      long atNanos,
      String half,
      int chunks,
      int spans,
      String env,
      String traceId,
      String traceIdHex,
      String tracer,
      int ownPriority,
      Sampling decision,
      String explanation)
      implements Decision {}

  /**
   * An X-Ray half stitched (docs/stitching.md).
   *
   * @param traceId the Datadog trace id its spans went out with (or would have, when sampled out)
   * @param convertedTraceId the id the converter derived from the X-Ray id, before re-keying and joining
   * @param indexHit whether the trace index knew the trace
   * @param indexEnv env of the half the index knew, {@code ""} on a miss
   * @param outcome {@code joined}, {@code joined_xray}, {@code index_miss}, {@code env_mismatch}, {@code sampled_out}
   * @param datadogMetadata what a {@code datadog-metadata} subsegment said, empty when none re-keyed the half
   * @param duplicates spans dropped as already forwarded
   * @param sampledOut spans dropped because the trace's decision is drop
   */
  public record XRayDecision(
      String kind,
      long atNanos,
      String half,
      String xrayTraceId,
      int spans,
      String env,
      boolean indexHit,
      String indexEnv,
      String outcome,
      boolean rekeyed,
      Map<String, String> datadogMetadata,
      String traceId,
      String traceIdHex,
      String convertedTraceId,
      String convertedTraceIdHex,
      Sampling decision,
      int duplicates,
      int sampledOut,
      String explanation)
      implements Decision {}

  /** One span as handed on, with the half it came from. {@code error} is 0 or 1. */
  public record SpanRow(
      String spanId,
      String spanIdHex,
      String parentId,
      String parentIdHex,
      String traceId,
      String traceIdHex,
      String half,
      String service,
      String name,
      String resource,
      String type,
      long startNanos,
      long offsetNanos,
      long durationNanos,
      int error,
      Map<String, String> meta,
      Map<String, Double> metrics) {}

  /** An error answer: {@code error} is a stable code ({@code malformed_trace_id}, {@code not_found}, {@code bad_parameter}). */
  public record Problem(String error, String message) {}
}
