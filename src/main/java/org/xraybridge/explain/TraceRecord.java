package org.xraybridge.explain;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.xraybridge.model.DatadogContext;
import org.xraybridge.model.FlatMap;
import org.xraybridge.model.Half;
import org.xraybridge.model.MetricTag;
import org.xraybridge.model.Priority;
import org.xraybridge.model.Span;
import org.xraybridge.model.StitchResult.Outcome;
import org.xraybridge.model.TraceChunk;

/**
 * What the explain view remembers of one trace: the stitching decisions taken for it, and its spans
 * as handed on with the half each came from. Spans are kept by reference (they are immutable and
 * already on their way to the forward stage), never copied.
 *
 * <p>Every mutator returns the change of {@link #bytes}, an estimate of the heap this record keeps
 * alive, so the recorder can bound the sum. Not thread-safe: guarded by the recorder's lock.
 */
final class TraceRecord {

  /** Decisions kept per trace; a chatty trace keeps its first ones, which explain the join. */
  static final int MAX_DECISIONS = 64;
  /** X-Ray trace ids and services listed per trace. */
  static final int MAX_NAMES = 16;

  /** The record itself, its lists and its entry in the recorder's map. */
  static final long RECORD_BYTES = 400;
  static final long DECISION_BYTES = 160;
  /** A span object with its 14 fields, its two tag maps and one slot in the arrays here. */
  static final long SPAN_BYTES = 200;
  static final long META_ENTRY_BYTES = 40;
  static final long METRIC_ENTRY_BYTES = 40;

  private static final Span[] NO_SPANS = new Span[0];
  private static final byte[] NO_HALVES = new byte[0];
  private static final Half[] HALVES = Half.values();

  final long key;
  final long firstSeenNanos;
  long lastSeenNanos;
  /** The Datadog trace id the spans went out with: the tracer's once seen; 0 until known. */
  private long traceId;
  private long traceIdHigh;
  private boolean nativeIdKnown;
  private final ArrayList<Object> events = new ArrayList<>(2);
  private int omittedDecisions;
  private Span[] spans = NO_SPANS;
  private byte[] spanHalves = NO_HALVES;
  private int spanCount;
  private int omittedSpans;
  private final SpanHalves xraySpans = new SpanHalves();
  private long xraySpansBytes;
  private final ArrayList<String> services = new ArrayList<>(2);
  private String lastService = "";
  private final ArrayList<String> xrayTraceIds = new ArrayList<>(1);
  /** Keys an X-Ray half had before a datadog-metadata subsegment re-keyed it, for look-ups by X-Ray id. */
  final ArrayList<Long> aliases = new ArrayList<>(0);
  private int halvesSeen;
  private long bytes = RECORD_BYTES;

  TraceRecord(long key, long nowNanos) {
    this.key = key;
    this.firstSeenNanos = nowNanos;
    this.lastSeenNanos = nowNanos;
  }

  long bytes() {
    return bytes;
  }

  /** A tracer's chunk, with the priority the trace's decision gave it; consecutive alike chunks are counted together. */
  long nativeChunk(TraceChunk decided, int ownPriority, long nowNanos) {
    lastSeenNanos = nowNanos;
    halvesSeen |= 1 << Half.NATIVE.ordinal();
    if (!nativeIdKnown) {
      traceId = decided.traceId();
      nativeIdKnown = true;
    }
    // tracers put _dd.p.tid on the first span of a chunk; one look-up, not one per span
    if (traceIdHigh == 0 && !decided.spans().isEmpty()) traceIdHigh = tid(decided.spans().get(0));
    String tracer = decided.tracer().language();
    if (!events.isEmpty() && events.get(events.size() - 1) instanceof NativeEvent last && last.sameAs(decided, tracer, ownPriority)) {
      events.set(events.size() - 1, last.plus(decided.size(), nowNanos));
      return 0;
    }
    return addEvent(new NativeEvent(nowNanos, nowNanos, decided.traceId(), decided.env(), tracer, ownPriority, decided.priority(), 1,
        decided.size()));
  }

  /** An X-Ray half stitched; {@code forwarded} are its spans as the stitcher emitted them (empty when sampled out). */
  long xray(XRayEvent e, List<Span> forwarded) {
    lastSeenNanos = e.atNanos;
    halvesSeen |= 1 << e.half.ordinal();
    if (!nativeIdKnown && traceId == 0) traceId = e.forwardedTraceId;
    if (e.outcome == Outcome.JOINED && traceIdHigh == 0 && !forwarded.isEmpty()) traceIdHigh = tid(forwarded.get(0));
    if (!xrayTraceIds.contains(e.xrayTraceId) && xrayTraceIds.size() < MAX_NAMES) xrayTraceIds.add(e.xrayTraceId);
    for (int i = 0; i < forwarded.size(); i++) xraySpans.put(forwarded.get(i).spanId(), e.half);
    long grown = (xraySpans.size() == 0 ? 0 : xraySpans.bytes()) - xraySpansBytes;
    xraySpansBytes += grown;
    bytes += grown;
    return addEvent(e) + grown;
  }

  /**
   * A chunk of this trace handed on. Spans beyond {@code maxBytes} for this trace are counted, not kept.
   * A span's half is the X-Ray half that brought its id, else the chunk's own half.
   */
  long handedOn(TraceChunk chunk, long maxBytes, long nowNanos) {
    lastSeenNanos = nowNanos;
    List<Span> in = chunk.spans();
    Half chunkHalf = chunk.half();
    if (traceId == 0) traceId = chunk.traceId();
    long added = 0;
    for (int i = 0; i < in.size(); i++) {
      Span s = in.get(i);
      long size = estimate(s);
      if (bytes + added + size > maxBytes) {
        omittedSpans++;
        continue;
      }
      if (spanCount == spans.length) grow(in.size() - i);
      Half half = xraySpans.get(s.spanId(), chunkHalf);
      spans[spanCount] = s;
      spanHalves[spanCount] = (byte) half.ordinal();
      spanCount++;
      halvesSeen |= 1 << half.ordinal();
      added += size;
      String service = s.service();
      if (!service.equals(lastService)) {
        lastService = service;
        if (!services.contains(service) && services.size() < MAX_NAMES) services.add(service);
      }
    }
    bytes += added;
    return added;
  }

  private long addEvent(Object e) {
    if (events.size() >= MAX_DECISIONS) {
      omittedDecisions++;
      return 0;
    }
    events.add(e);
    bytes += DECISION_BYTES;
    return DECISION_BYTES;
  }

  private void grow(int atLeast) {
    int n = Math.max(spans.length * 2, spans.length + Math.max(atLeast, 8));
    spans = Arrays.copyOf(spans, n);
    spanHalves = Arrays.copyOf(spanHalves, n);
  }

  private static long tid(Span s) {
    String t = s.meta("_dd.p.tid");
    if (t.length() != 16) return 0;
    try {
      return Long.parseUnsignedLong(t, 16);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /**
   * A cheap estimate of what keeping {@code s} costs: fixed overhead, tag entries, and the text of tag
   * values and resource (service, name and tag keys are mostly shared strings and are not counted).
   */
  static long estimate(Span s) {
    Map<String, String> meta = s.meta();
    long b = SPAN_BYTES + s.resource().length() + META_ENTRY_BYTES * meta.size() + METRIC_ENTRY_BYTES * s.metrics().size();
    if (meta instanceof FlatMap<String> flat) {
      for (int i = 0; i < flat.size(); i++) b += flat.valueAt(i).length();
    } else {
      for (String v : meta.values()) b += v.length();
    }
    return b;
  }

  // ---- reading, under the recorder's lock ----

  /**
   * Whether the record has something to show: spans handed on, or X-Ray spans dropped. A tracer's
   * chunk is recorded when it is stitched and its spans when the batch is handed on, up to
   * {@code bridge.merge.flush-interval} later; in between, the list leaves the record out rather
   * than show a trace of no spans and no service.
   */
  boolean listable() {
    if (spanCount + omittedSpans > 0) return true;
    for (Object o : events) {
      if (o instanceof XRayEvent x && (x.outcome == Outcome.SAMPLED_OUT || x.duplicates > 0)) return true;
    }
    return false;
  }

  boolean matches(String service, String env) {
    if (!service.isEmpty() && !containsIgnoreCase(services, service)) return false;
    return env.isEmpty() || envs().contains(env);
  }

  private static boolean containsIgnoreCase(List<String> list, String value) {
    for (String s : list) if (s.equalsIgnoreCase(value)) return true;
    return false;
  }

  ExplainView.Summary summary(String replica) {
    Verdict v = verdict();
    return new ExplainView.Summary(Long.toString(key), Ids.dec(traceId), Ids.hex(traceId), List.copyOf(xrayTraceIds), List.copyOf(services),
        envs(), spanCount + omittedSpans, halves(), v.status == Status.JOINED, v.status.tag(), v.reason, sampling(), firstSeenNanos,
        lastSeenNanos, replica);
  }

  /** A copy of what {@link ExplainRecorder#find} needs, so the JSON is built outside the lock. */
  Snapshot snapshot(String replica) {
    return new Snapshot(summary(replica), traceIdHigh, Arrays.copyOf(spans, spanCount), Arrays.copyOf(spanHalves, spanCount), List.copyOf(events),
        omittedSpans, omittedDecisions);
  }

  private List<String> envs() {
    ArrayList<String> out = new ArrayList<>(2);
    for (Object o : events) {
      String env = o instanceof NativeEvent n ? n.env : ((XRayEvent) o).env;
      if (!out.contains(env)) out.add(env);
    }
    return out;
  }

  private List<String> halves() {
    ArrayList<String> out = new ArrayList<>(2);
    for (Half h : HALVES) if ((halvesSeen & (1 << h.ordinal())) != 0) out.add(h.tag());
    return out;
  }

  /**
   * The trace's one decision: the one the latest joined or deciding X-Ray half followed, else the
   * tracer's; an X-Ray half of another env has a decision of its own and counts only when alone.
   */
  ExplainView.Sampling sampling() {
    XRayEvent mismatch = null;
    for (int i = events.size() - 1; i >= 0; i--) {
      if (events.get(i) instanceof XRayEvent x) {
        if (x.outcome != Outcome.ENV_MISMATCH) return Ids.sampling(x.priority, x.decidedBy.tag());
        if (mismatch == null) mismatch = x;
      }
    }
    for (int i = events.size() - 1; i >= 0; i--) {
      // a tracer's chunk given another priority than its own followed an X-Ray half's decision
      if (events.get(i) instanceof NativeEvent n) return Ids.sampling(n.priority, n.priority == n.ownPriority ? Half.NATIVE.tag() : "xray");
    }
    if (mismatch != null) return Ids.sampling(mismatch.priority, mismatch.decidedBy.tag());
    return Ids.sampling(Priority.NONE, "");
  }

  /** Joined, or the reason why not (docs/stitching.md), from the decisions recorded. */
  Verdict verdict() {
    NativeEvent nat = null;
    List<String> nativeEnvs = new ArrayList<>(1);
    XRayEvent joined = null;
    XRayEvent mismatch = null;
    XRayEvent sampledOut = null;
    XRayEvent alone = null;
    for (Object o : events) {
      if (o instanceof NativeEvent n) {
        if (nat == null) nat = n;
        if (!nativeEnvs.contains(n.env)) nativeEnvs.add(n.env);
        continue;
      }
      XRayEvent x = (XRayEvent) o;
      switch (x.outcome) {
        case JOINED -> joined = joined == null ? x : joined;
        case ENV_MISMATCH -> mismatch = mismatch == null ? x : mismatch;
        case SAMPLED_OUT -> sampledOut = sampledOut == null ? x : sampledOut;
        case INDEX_MISS, JOINED_XRAY -> alone = alone == null ? x : alone;
      }
    }
    if (events.isEmpty()) {
      return new Verdict(Status.UNKNOWN, "no stitching decision recorded: the view evicted this trace before its spans were handed on"
          + " (raise bridge.explain.max-traces or bridge.explain.max-bytes)");
    }
    if (joined == null && mismatch == null && sampledOut == null && alone == null) {
      return new Verdict(Status.NATIVE_ONLY,
          "tracer's half only: no X-Ray half seen yet (X-Ray publishes segments 2–5 min after the request)");
    }
    if (joined != null) {
      return new Verdict(Status.JOINED, "joined: the X-Ray half took the tracer's trace id and sampling decision (env " + q(joined.env) + ")");
    }
    if (mismatch != null) {
      return new Verdict(Status.ENV_MISMATCH, "not joined: env mismatch, the trace index holds env " + q(mismatch.indexEnv)
          + " and the X-Ray half has env " + q(mismatch.env));
    }
    if (nat != null && alone != null) {
      if (!nativeEnvs.contains(alone.env)) {
        return new Verdict(Status.ENV_MISMATCH, "not joined: env mismatch, the tracer's half has env " + q(nativeEnvs.get(0))
            + " and the X-Ray half (seen first) has env " + q(alone.env));
      }
      if (alone.forwardedTraceId == nat.traceId) {
        return new Verdict(Status.JOINED,
            "joined: the X-Ray half came first and decided, the tracer's half followed (env " + q(alone.env) + ")");
      }
      return new Verdict(Status.INDEX_MISS, "not joined: the X-Ray half went out as trace id " + Ids.dec(alone.forwardedTraceId)
          + " before the tracer's half (trace id " + Ids.dec(nat.traceId) + ") was seen");
    }
    if (sampledOut != null) {
      return new Verdict(Status.SAMPLED_OUT, "X-Ray half dropped: the trace's decision is " + Ids.priorityName(sampledOut.priority)
          + " (priority " + sampledOut.priority + "), made by the " + sampledOut.decidedBy.tag() + " half");
    }
    return new Verdict(Status.INDEX_MISS,
        "not joined: the trace index held no tracer half of this trace (none seen within bridge.merge.index-ttl, or evicted early)");
  }

  static String q(String env) {
    return "'" + env + "'";
  }

  /** Joined or why not: the status of the list and the API. */
  enum Status {
    JOINED,
    ENV_MISMATCH,
    SAMPLED_OUT,
    INDEX_MISS,
    NATIVE_ONLY,
    /** Spans without decisions: the record was evicted between the stitch and the flush. */
    UNKNOWN;

    String tag() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  record Verdict(Status status, String reason) {}

  /** Consecutive chunks of a tracer with the same ids, env and priorities, counted together. */
  record NativeEvent(
      long atNanos, long lastNanos, long traceId, String env, String tracer, int ownPriority, int priority, int chunks, int spans) {

    boolean sameAs(TraceChunk c, String language, int own) {
      return c.traceId() == traceId && c.env().equals(env) && language.equals(tracer) && own == ownPriority && c.priority() == priority;
    }

    NativeEvent plus(int moreSpans, long nowNanos) {
      return new NativeEvent(atNanos, nowNanos, traceId, env, tracer, ownPriority, priority, chunks + 1, spans + moreSpans);
    }
  }

  /**
   * One X-Ray half as the stitcher decided it.
   *
   * @param convertedTraceId the id the converter derived from the X-Ray id
   * @param forwardedTraceId the id its spans went out with (or would have, when sampled out)
   * @param datadog the datadog-metadata context when it re-keyed the half, else {@link DatadogContext#NONE}
   */
  record XRayEvent(
      long atNanos,
      Half half,
      String xrayTraceId,
      long convertedTraceId,
      long forwardedTraceId,
      String env,
      Outcome outcome,
      boolean indexHit,
      String indexEnv,
      int priority,
      Half decidedBy,
      DatadogContext datadog,
      int spans,
      int duplicates) {}

  /** An immutable copy of one record. */
  record Snapshot(
      ExplainView.Summary summary,
      long traceIdHigh,
      Span[] spans,
      byte[] halves,
      List<Object> events,
      int omittedSpans,
      int omittedDecisions) {

    Half half(int i) {
      return HALVES[halves[i]];
    }
  }
}
