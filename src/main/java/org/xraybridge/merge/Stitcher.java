package org.xraybridge.merge;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.xraybridge.model.ConvertedTrace;
import org.xraybridge.model.DatadogContext;
import org.xraybridge.model.Half;
import org.xraybridge.model.IdCodec;
import org.xraybridge.model.Priority;
import org.xraybridge.model.Rekeying;
import org.xraybridge.model.Span;
import org.xraybridge.model.StitchResult;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.model.TraceKey;
import org.xraybridge.model.TracerInfo;

/**
 * Applies docs/stitching.md to the halves as they arrive: the X-Ray half takes the native trace id,
 * {@code _dd.p.tid} and sampling decision when the index knows the trace under the same env; a
 * {@code datadog-metadata} subsegment re-keys and re-parents it first ({@link Rekeying}, idempotent, so a
 * half the cluster producer re-keyed already passes unchanged); the first half seen decides
 * sampling for the whole trace. Pure apart from the index; thread-safe.
 */
public final class Stitcher {

  static final String TID = "_dd.p.tid";

  private final TraceIndex index;
  private final Clock clock;
  private final String defaultEnv;

  /** With Datadog's own name for no env, {@code none}. */
  public Stitcher(TraceIndex index, Clock clock) {
    this(index, clock, "none");
  }

  /**
   * @param defaultEnv the env Datadog shows a tracer's spans under when they carry none (the bridge
   *     sends the intake {@code bridge.xray.env}; an Agent its own default env), normalised
   */
  public Stitcher(TraceIndex index, Clock clock, String defaultEnv) {
    this.index = index;
    this.clock = clock;
    this.defaultEnv = defaultEnv;
  }

  /** A tracer's chunk: record it, and give it the trace's one decision (its own unless an X-Ray half came first). */
  public TraceChunk stitchNative(TraceChunk chunk) {
    long tid = 0;
    String tidText = chunk.spans().isEmpty() ? "" : firstTid(chunk);
    if (tidText.length() == 16 && IdCodec.isHex64(tidText)) tid = IdCodec.parseHex64(tidText, TID);
    int priority = chunk.priority();
    // compared as Datadog shows it: spans without an env are shown under the default one
    String env = chunk.env().isEmpty() ? defaultEnv : chunk.env();
    IndexEntry e = index.recordNative(chunk.key(), chunk.traceId(), tid, env, priority, clock.instant().getEpochSecond());
    int decided = e.priority();
    if (decided == priority || decided == Priority.NONE) return chunk;
    return withPriority(chunk, decided);
  }

  private static String firstTid(TraceChunk chunk) {
    return tidOf(chunk.spans());
  }

  /** The {@code _dd.p.tid} the first span that has one carries; {@code ""} when none does. */
  static String tidOf(List<Span> spans) {
    for (int i = 0; i < spans.size(); i++) {
      String t = spans.get(i).meta().get(TID);
      if (t != null) return t;
    }
    return "";
  }

  /** {@code spans} with {@code tid} on the first of them (docs/stitching.md rule 3), when it is not there yet. */
  static List<Span> tidOnFirst(List<Span> spans, String tid) {
    if (tid.isEmpty() || spans.isEmpty() || tid.equals(spans.get(0).meta().get(TID))) return spans;
    List<Span> out = new ArrayList<>(spans);
    out.set(0, spans.get(0).toBuilder().putMeta(TID, tid).build());
    return out;
  }

  /** An X-Ray half: re-key by datadog-metadata, join by key and env, decide or follow the decision. */
  public StitchResult stitchXRay(ConvertedTrace trace) {
    List<Span> spans = trace.spans();
    long traceId = trace.traceId();
    DatadogContext dd = trace.datadog();
    boolean rekeyed = dd.present();
    if (rekeyed) {
      traceId = dd.traceId();
      spans = Rekeying.spans(spans, dd);
    }
    TraceKey key = TraceKey.of(traceId);
    int ownPriority = rekeyed && dd.samplingPriority() != Priority.NONE ? dd.samplingPriority() : Priority.USER_KEEP;
    long now = clock.instant().getEpochSecond();
    IndexEntry known = index.get(key);

    StitchResult.Outcome outcome;
    int priority;
    Half decidedBy;
    String indexEnv = known == null ? "" : known.env();
    long tid = 0;
    if (known == null) {
      known = index.recordXRayIfAbsent(key, traceId, trace.env(), ownPriority, trace.half(), now);
    }
    if (known == null) {
      outcome = StitchResult.Outcome.INDEX_MISS;
      priority = ownPriority;
      decidedBy = trace.half();
    } else if (!known.env().equals(trace.env())) {
      indexEnv = known.env();
      outcome = StitchResult.Outcome.ENV_MISMATCH;
      priority = ownPriority;
      decidedBy = trace.half();
    } else {
      indexEnv = known.env();
      priority = known.priority();
      decidedBy = known.decidedBy();
      if (known.nativeSeen()) {
        outcome = StitchResult.Outcome.JOINED;
        traceId = known.traceId();
        tid = known.traceIdHigh();
      } else {
        outcome = StitchResult.Outcome.JOINED_XRAY;
      }
    }
    if (priority != Priority.NONE && priority <= 0 && outcome != StitchResult.Outcome.ENV_MISMATCH) {
      return new StitchResult(null, StitchResult.Outcome.SAMPLED_OUT, priority, decidedBy, indexEnv, rekeyed, spans.size());
    }
    List<Span> out = new ArrayList<>(spans.size());
    Set<Long> ids = new HashSet<>(spans.size() * 2);
    for (Span s : spans) ids.add(s.spanId());
    boolean first = true;
    for (Span s : spans) {
      boolean root = !ids.contains(s.parentId());
      boolean retrace = s.traceId() != traceId;
      boolean addTid = first && tid != 0;
      if (!retrace && !root && !addTid) {
        out.add(s);
      } else {
        Span.Builder b = s.toBuilder().traceId(traceId);
        if (root && priority != Priority.NONE) b.putMetric(Priority.METRIC, priority); // none: the Agent decides, as for the tracer's half
        if (addTid) b.putMeta(TID, IdCodec.toHex64(tid));
        out.add(b.build());
      }
      first = false;
    }
    TraceChunk chunk = new TraceChunk(traceId, out, priority, "", trace.env(), trace.half(), TracerInfo.XRAY);
    return new StitchResult(chunk, outcome, priority, decidedBy, indexEnv, rekeyed, spans.size());
  }

  /** The chunk with {@code priority} decided, written on its root spans where the Agent reads it. */
  static TraceChunk withPriority(TraceChunk chunk, int priority) {
    List<Span> spans = chunk.spans();
    Set<Long> ids = new HashSet<>(spans.size() * 2);
    for (Span s : spans) ids.add(s.spanId());
    List<Span> out = new ArrayList<>(spans.size());
    for (Span s : spans) {
      boolean root = s.parentId() == 0 || !ids.contains(s.parentId());
      Double current = s.metrics().get(Priority.METRIC);
      if (root || current != null) {
        out.add(s.toBuilder().putMetric(Priority.METRIC, priority).build());
      } else {
        out.add(s);
      }
    }
    return new TraceChunk(chunk.traceId(), out, priority, chunk.origin(), chunk.env(), chunk.half(), chunk.tracer());
  }
}
