package org.xraybridge.explain;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xraybridge.model.ChunkBatch;
import org.xraybridge.model.ConvertedTrace;
import org.xraybridge.model.DatadogContext;
import org.xraybridge.model.Half;
import org.xraybridge.model.StitchListener;
import org.xraybridge.model.StitchResult;
import org.xraybridge.model.TimeCodec;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.model.TraceKey;

/**
 * The explain view's memory: the most recent traces that passed the merge stage, with the stitching
 * decisions taken for each and its spans as handed on, so a user can ask "why did these two halves
 * not join?" at the source (docs/explain.md). It is the merge stage's {@link StitchListener}.
 *
 * <p>Bounds: at most {@code maxTraces} traces and about {@code maxBytes} of heap (estimated per span
 * from its tag count and text, see {@link TraceRecord#estimate}); the least recently updated trace is
 * evicted first. One trace keeps at most a quarter of {@code maxBytes} (its further spans are counted
 * as omitted), so one huge trace cannot push out all the others. {@code maxTraces == 0} records nothing.
 *
 * <p>Sampling: at most {@code maxTracesPerSecond} traces that are only a tracer's half are recorded
 * a second ({@link TraceRate}); a trace with an X-Ray half, or whose tracer chunk took its decision
 * from an X-Ray half, is always recorded, and so is every later chunk of a trace already recorded.
 * Chunks not recorded are counted ({@link #skipped()}).
 *
 * <p>Cost on the merge stage's hot path: a chunk not recorded costs one short lock, one map look-up
 * and a clock read — no estimate, no record, no eviction; a batch handed on takes the lock once. A
 * recorded trace costs work linear in the spans of the call and no copies (spans are immutable and
 * kept by reference). X-Ray halves enter their span ids in a primitive table so each span handed on
 * is attributed to the half it came from, even inside a chunk merged from both.
 *
 * <p>Thread-safe. The callbacks never throw: a failure here is logged once and counted in {@link
 * #failures()}, and never costs the pipeline a span.
 */
public final class ExplainRecorder implements StitchListener {

  private static final Logger log = LoggerFactory.getLogger(ExplainRecorder.class);

  private final int maxTraces;
  private final long maxBytes;
  private final long maxTraceBytes;
  private final Clock clock;
  private final String replica;
  private final Object lock = new Object();
  /** {@link #slot} of the trace key → record, least recently updated first (an update moves a record to the end). */
  private final LinkedHashMap<Long, TraceRecord> traces = new LinkedHashMap<>();
  /** {@link #slot} of the key an X-Ray id maps to → key of the record it was re-keyed into by datadog-metadata. */
  private final HashMap<Long, Long> aliases = new HashMap<>();
  private final TraceRate rate;
  /** The most recently updated record: a trace's next chunk usually finds it here, not moved. */
  private TraceRecord newest;
  private long bytes;
  private long evicted;
  private long skipped;
  private final AtomicLong failures = new AtomicLong();

  /**
   * @param maxTraces traces kept (0 records nothing)
   * @param maxBytes estimated heap kept for them, in bytes
   * @param maxTracesPerSecond traces of a tracer's half alone recorded a second (the others always are)
   * @param clock stamps the decisions
   */
  public ExplainRecorder(int maxTraces, long maxBytes, int maxTracesPerSecond, Clock clock) {
    this(maxTraces, maxBytes, maxTracesPerSecond, clock, "");
  }

  /** @param replica the name every trace recorded here shows as the replica that handled it ({@code ""}: single mode) */
  public ExplainRecorder(int maxTraces, long maxBytes, int maxTracesPerSecond, Clock clock, String replica) {
    this(maxTraces, maxBytes, maxTracesPerSecond, clock, replica, System::nanoTime);
  }

  /** … with {@code nanoTime} timing the sampling windows (tests step it). */
  ExplainRecorder(int maxTraces, long maxBytes, int maxTracesPerSecond, Clock clock, String replica, LongSupplier nanoTime) {
    this.replica = Objects.requireNonNull(replica, "replica == null");
    if (maxTraces < 0) throw new IllegalArgumentException("maxTraces must be ≥ 0, got " + maxTraces);
    if (maxBytes < 1) throw new IllegalArgumentException("maxBytes must be ≥ 1, got " + maxBytes);
    this.maxTraces = maxTraces;
    this.maxBytes = maxBytes;
    this.maxTraceBytes = Math.max(1, maxBytes / 4);
    this.clock = Objects.requireNonNull(clock, "clock == null");
    this.rate = new TraceRate(maxTracesPerSecond, Objects.requireNonNull(nanoTime, "nanoTime == null"));
  }

  @Override
  public void nativeChunk(TraceChunk decided, int ownPriority) {
    if (maxTraces == 0) return;
    try {
      long key = decided.traceId() & Long.MAX_VALUE; // decided.key().value() without the object
      // a priority other than the tracer's own was taken from an X-Ray half: a stitch worth showing
      boolean stitched = decided.priority() != ownPriority;
      synchronized (lock) {
        TraceRecord r = traces.get(slot(key));
        if (r == null && !stitched && !rate.tryTake()) {
          skipped++;
          return;
        }
        long now = nowNanos();
        r = touch(key, r, now);
        bytes += r.nativeChunk(decided, ownPriority, now);
        evictOlderThan(r);
      }
    } catch (RuntimeException e) {
      failed(e);
    }
  }

  @Override
  public void xray(ConvertedTrace trace, StitchResult result, int duplicates) {
    if (maxTraces == 0) return;
    try {
      long now = nowNanos();
      DatadogContext dd = result.rekeyed() ? trace.datadog() : DatadogContext.NONE;
      long forwardedId = result.chunk() != null ? result.chunk().traceId() : dd.present() ? dd.traceId() : trace.traceId();
      TraceRecord.XRayEvent e = new TraceRecord.XRayEvent(now, trace.half(), trace.xrayTraceId(), trace.traceId(), forwardedId, trace.env(),
          result.outcome(), indexHit(trace, result), result.indexEnv(), result.priority(), result.decidedBy(), dd, result.spans(), duplicates);
      long key = TraceKey.of(forwardedId).value();
      long convertedKey = TraceKey.of(trace.traceId()).value();
      synchronized (lock) {
        TraceRecord r = touch(key, traces.get(slot(key)), now);
        bytes += r.xray(e, result.chunk() != null ? result.chunk().spans() : List.of());
        if (convertedKey != key && r.aliases.size() < TraceRecord.MAX_NAMES && !r.aliases.contains(convertedKey)) {
          // a user may paste the X-Ray id of a re-keyed half: find the trace it went into (the first ones
          // a trace lists; a fan-out to thousands of Lambda invocations must not grow this without bound)
          r.aliases.add(convertedKey);
          aliases.put(slot(convertedKey), key);
        }
        evictOlderThan(r);
      }
    } catch (RuntimeException e) {
      failed(e);
    }
  }

  /**
   * Whether the trace index knew the trace. {@link StitchResult} says it for every outcome but one: a
   * half sampled out by its own datadog-metadata priority on first sight (index miss) looks like a hit
   * on an entry of env {@code ""} written by the same half; the first reading is taken.
   */
  private static boolean indexHit(ConvertedTrace trace, StitchResult r) {
    return switch (r.outcome()) {
      case INDEX_MISS -> false;
      case JOINED, JOINED_XRAY, ENV_MISMATCH -> true;
      case SAMPLED_OUT -> !(r.indexEnv().isEmpty() && r.decidedBy() == trace.half() && r.rekeyed()
          && trace.datadog().samplingPriority() == r.priority());
    };
  }

  @Override
  public void flushed(ChunkBatch batch) {
    if (maxTraces == 0) return;
    try {
      long now = 0;
      List<TraceChunk> chunks = batch.chunks();
      synchronized (lock) {
        for (int i = 0; i < chunks.size(); i++) {
          TraceChunk c = chunks.get(i);
          long key = c.traceId() & Long.MAX_VALUE;
          TraceRecord r = traces.get(slot(key));
          // a tracer's chunk without a record was not sampled (counted when it was stitched); an X-Ray
          // half's spans are always kept, with status unknown when their decisions were evicted
          if (r == null && c.half() == Half.NATIVE) continue;
          if (now == 0) now = nowNanos();
          r = touch(key, r, now);
          bytes += r.handedOn(c, maxTraceBytes, now);
          evictOlderThan(r);
        }
      }
    } catch (RuntimeException e) {
      failed(e);
    }
  }

  /** The record of {@code key} ({@code r}, or a new one when null), moved to the newest end. */
  private TraceRecord touch(long key, TraceRecord r, long now) {
    if (r == null) {
      r = new TraceRecord(key, now);
      bytes += r.bytes();
      traces.put(slot(key), r);
    } else if (r != newest) {
      Long slot = slot(key);
      traces.remove(slot);
      traces.put(slot, r);
    }
    newest = r;
    return r;
  }

  /** Evicts the least recently updated records until both bounds hold; {@code newest} stays. */
  private void evictOlderThan(TraceRecord newest) {
    if (traces.size() <= maxTraces && bytes <= maxBytes) return;
    Iterator<TraceRecord> it = traces.values().iterator();
    while (it.hasNext() && (traces.size() > maxTraces || bytes > maxBytes)) {
      TraceRecord r = it.next();
      if (r == newest) break;
      it.remove();
      bytes -= r.bytes();
      evicted++;
      for (int i = 0; i < r.aliases.size(); i++) aliases.remove(slot(r.aliases.get(i)), r.key);
    }
  }

  /**
   * The map key of a trace key: a bijective mix of its bits. {@code Long.hashCode} folds the two
   * halves and {@code HashMap} indexes by the low bits, so ids that differ only in a few high bits
   * (a load script's counter in the top byte, …) share a few buckets and make tree bins, which cost a
   * remove and an insert per record update (issue 22). Mixed, any ids spread; no two keys share a slot.
   */
  static Long slot(long key) {
    long z = key;
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }

  private long nowNanos() {
    return TimeCodec.epochNanos(clock);
  }

  private void failed(RuntimeException e) {
    if (failures.getAndIncrement() == 0) log.warn("explain view: recording failed; the pipeline is unaffected (logged once)", e);
  }

  // ---- queries (the API) ----

  /** The recorded traces matching {@code q}, most recently updated first, at most {@code q.limit()}. */
  public ExplainView.TraceList list(Query q) {
    synchronized (lock) {
      TraceRecord[] all = traces.values().toArray(new TraceRecord[0]);
      List<ExplainView.Summary> out = new ArrayList<>(Math.min(q.limit(), all.length));
      for (int i = all.length - 1; i >= 0 && out.size() < q.limit(); i--) {
        TraceRecord r = all[i];
        if (!r.listable() || !r.matches(q.service(), q.env())) continue;
        ExplainView.Summary s = r.summary(replica);
        if (q.joined() == Query.Joined.YES && !s.joined() || q.joined() == Query.Joined.NO && s.joined()) continue;
        out.add(s);
      }
      return new ExplainView.TraceList(out, traces.size(), maxTraces, bytes, maxBytes, evicted, rate.perSecond(), skipped);
    }
  }

  /**
   * Everything recorded about the trace of {@code datadogTraceId} (either 64-bit form: the merge key
   * is its low 63 bits), or null when it is not (or no longer) recorded. The id an X-Ray half had before
   * datadog-metadata re-keyed it finds the trace too.
   */
  public ExplainView.Detail find(long datadogTraceId) {
    long key = TraceKey.of(datadogTraceId).value();
    TraceRecord.Snapshot s;
    synchronized (lock) {
      TraceRecord r = traces.get(slot(key));
      if (r == null) {
        Long target = aliases.get(slot(key));
        if (target != null) r = traces.get(slot(target));
      }
      if (r == null) return null;
      s = r.snapshot(replica);
    }
    return Details.of(s);
  }

  /** The trace of the first of {@code readings} (the ids a pasted text may mean) that is recorded, or null. */
  public ExplainView.Detail findAny(long[] readings) {
    for (long id : readings) {
      ExplainView.Detail d = find(id);
      if (d != null) return d;
    }
    return null;
  }

  /** Traces recorded now. */
  public int size() {
    synchronized (lock) {
      return traces.size();
    }
  }

  /** Estimated heap the recorded traces keep alive, in bytes. */
  public long bytes() {
    synchronized (lock) {
      return bytes;
    }
  }

  /** The sum of the records' own estimates: equal to {@link #bytes()} at rest (tests check the accounting). */
  long recount() {
    synchronized (lock) {
      long sum = 0;
      for (TraceRecord r : traces.values()) sum += r.bytes();
      return sum;
    }
  }

  /** Traces evicted to keep the bounds. */
  public long evicted() {
    synchronized (lock) {
      return evicted;
    }
  }

  /** Tracer chunks not recorded because the rate was spent (a tracer sends most traces as one chunk: ≈ traces). */
  public long skipped() {
    synchronized (lock) {
      return skipped;
    }
  }

  /** Callbacks that failed (and were swallowed, so the merge stage carried on). Expected 0. */
  public long failures() {
    return failures.get();
  }

  public int maxTraces() {
    return maxTraces;
  }

  /** Which traces {@link #list} returns. {@code service} and {@code env} are {@code ""} for any. */
  public record Query(int limit, String service, String env, Joined joined) {
    public Query {
      if (limit < 1) throw new IllegalArgumentException("limit must be ≥ 1, got " + limit);
      Objects.requireNonNull(service, "service == null");
      Objects.requireNonNull(env, "env == null");
      Objects.requireNonNull(joined, "joined == null");
    }

    public enum Joined {
      ANY,
      YES,
      NO
    }
  }
}
