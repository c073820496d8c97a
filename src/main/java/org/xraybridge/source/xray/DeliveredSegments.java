package org.xraybridge.source.xray;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.xraybridge.model.TimeCodec;

/**
 * What an X-Ray source has delivered, per trace: the revision last processed, the segment documents
 * handed on (by id, with a hash of the text: a late independent subsegment changes its parent's
 * document, docs/xray-source.md "Exactly once"), the span ids handed on, and the in-progress
 * documents held back.
 *
 * <p>Bounded: a Caffeine cache weighed by ids held ({@code maxTrackedIds}). Time here is the poll
 * cursor's, not the clock's: an entry is stamped with the end of the furthest window being read when
 * it last changed (no document of it is later than that), and expires once the cursor passed that
 * stamp by {@code ttl} — after the last window that can re-read it (the overlap is shorter than the
 * ttl). While the cursor holds (X-Ray down, access denied, the sink full, the bridge stopped) nothing
 * is forgotten, so the overlap re-read after an outage or a restart of any length sends nothing twice
 * (docs/xray-source.md "Exactly once"). A trace evicted by size before its time is reported. Not
 * thread-safe on its own: used under the {@link XRayPollState} lock.
 */
final class DeliveredSegments {

  private final Cache<String, TraceProgress> cache;
  private final Map<String, TraceProgress> held = new ConcurrentHashMap<>();
  private final Duration ttl;
  private final Supplier<Instant> readingTo;

  /**
   * @param cursor the poll cursor: the clock of expiry
   * @param readingTo the end of the furthest window begun: the stamp of a change
   */
  DeliveredSegments(Duration ttl, long maxTrackedIds, Supplier<Instant> cursor, Supplier<Instant> readingTo, Runnable evictedEarly) {
    this.ttl = ttl;
    this.readingTo = readingTo;
    long ttlNanos = ttl.toNanos();
    this.cache =
        Caffeine.newBuilder()
            .ticker(() -> TimeCodec.epochNanos(cursor.get()))
            .maximumWeight(maxTrackedIds)
            .weigher((String id, TraceProgress p) -> p.weight())
            .expireAfter(Expiry.writing((String id, TraceProgress p) -> Duration.ofNanos(Math.max(0,
                TimeCodec.epochNanos(p.touched) + ttlNanos - TimeCodec.epochNanos(cursor.get())))))
            .evictionListener(
                (String id, TraceProgress p, RemovalCause cause) -> {
                  if (id != null) held.remove(id);
                  if (cause == RemovalCause.SIZE) evictedEarly.run();
                })
            .build();
  }

  /** The progress of a trace, or {@code null} when nothing is known about it. */
  TraceProgress get(String traceId) {
    return cache.getIfPresent(traceId);
  }

  TraceProgress getOrCreate(String traceId) {
    return cache.get(traceId, TraceProgress::new);
  }

  /** Records a change of {@code p}: re-weighs it, stamps it (restarting its expiry), tracks it as held or not. */
  void update(TraceProgress p) {
    p.touched = readingTo.get();
    cache.put(p.traceId, p);
    if (p.held.isEmpty()) held.remove(p.traceId);
    else held.put(p.traceId, p);
  }

  /** Traces holding in-progress documents for at least {@code timeout}: fetch them again. */
  List<String> heldDue(Instant now, Duration timeout) {
    List<String> due = new ArrayList<>();
    for (TraceProgress p : held.values()) {
      if (!p.heldSince.plus(timeout).isAfter(now)) due.add(p.traceId);
    }
    return due;
  }

  int heldCount() {
    return held.size();
  }

  long traceCount() {
    return cache.estimatedSize();
  }

  /** Every trace's progress, for the checkpoint. */
  List<XRayCheckpoint.TraceEntry> snapshot() {
    List<XRayCheckpoint.TraceEntry> out = new ArrayList<>((int) Math.min(Integer.MAX_VALUE, cache.estimatedSize()));
    for (TraceProgress p : cache.asMap().values()) {
      out.add(
          new XRayCheckpoint.TraceEntry(
              p.traceId, p.revision, Map.copyOf(p.delivered), p.spanIds(), Set.copyOf(p.held), p.heldSince, p.touched));
    }
    return out;
  }

  /**
   * Loads a checkpoint's traces, at the cursor {@code at} they were saved with; those the cursor had
   * moved the ttl past are left out. (A checkpoint written before the cursor was this set's clock has
   * wall-clock times here, later than the cursor: those traces are kept a little longer, never less.)
   */
  void restore(List<XRayCheckpoint.TraceEntry> entries, Instant at) {
    for (XRayCheckpoint.TraceEntry e : entries) {
      if (e.touched().plus(ttl).isBefore(at)) continue;
      TraceProgress p = new TraceProgress(e.traceId());
      p.revision = e.revision();
      p.delivered.putAll(e.delivered());
      p.addSpanIds(e.spanIds());
      p.held = Set.copyOf(e.held());
      p.heldSince = e.heldSince();
      p.touched = e.touched();
      cache.put(p.traceId, p);
      if (!p.held.isEmpty()) held.put(p.traceId, p);
    }
  }

  /** FNV-1a over the UTF-16 units of a document: equal text, equal hash; a changed document, almost surely not. */
  static long hash(String text) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < text.length(); i++) {
      h ^= text.charAt(i);
      h *= 0x100000001b3L;
    }
    return h;
  }

  /** One trace's progress. Mutated only under the {@link XRayPollState} lock. */
  static final class TraceProgress {
    final String traceId;
    /** Revision last processed; -1 when unknown (fetched without a summary, e.g. a held re-check). */
    int revision = -1;
    /** Segment id → hash of the document text delivered. */
    final Map<String, Long> delivered = new HashMap<>();
    /** Span ids handed on, sorted. */
    private long[] spans = new long[0];
    /** Ids of documents held back because they were in progress. */
    Set<String> held = Set.of();
    /** When this trace first held a document back ({@link Instant#EPOCH} when none is held). */
    Instant heldSince = Instant.EPOCH;
    Instant touched = Instant.EPOCH;
    /** X-Ray said it cut this trace ({@code LimitExceeded}) and it was counted; not checkpointed. */
    boolean limitExceeded;

    TraceProgress(String traceId) {
      this.traceId = traceId;
    }

    boolean isDelivered(String segmentId, long hash) {
      Long h = delivered.get(segmentId);
      return h != null && h == hash;
    }

    boolean hasSpan(long spanId) {
      return Arrays.binarySearch(spans, spanId) >= 0;
    }

    void addSpanIds(long[] ids) {
      if (ids.length == 0) return;
      long[] merged = Arrays.copyOf(spans, spans.length + ids.length);
      System.arraycopy(ids, 0, merged, spans.length, ids.length);
      Arrays.sort(merged);
      int n = 0;
      for (int i = 0; i < merged.length; i++) {
        if (i == 0 || merged[i] != merged[i - 1]) merged[n++] = merged[i];
      }
      spans = n == merged.length ? merged : Arrays.copyOf(merged, n);
    }

    long[] spanIds() {
      return spans.clone();
    }

    int weight() {
      return 1 + delivered.size() + spans.length;
    }
  }
}
