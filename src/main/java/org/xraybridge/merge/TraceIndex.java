package org.xraybridge.merge;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.xraybridge.model.Half;
import org.xraybridge.model.TraceKey;

/**
 * The bounded memory of traces seen lately: trace key (low 63 bits of the Datadog trace id) → the
 * native trace id, {@code _dd.p.tid}, env and the trace's one sampling decision (MAPPING.md §6–§7).
 * Written by both halves, so whichever arrives first decides and every later chunk agrees.
 *
 * <p>Bounds: {@code maxTraces} entries and a TTL after the last write ({@code bridge.merge.index-ttl},
 * 30 min by default, longer than X-Ray's 2–5 min delay). Expiry runs on a scheduler so memory is
 * returned without traffic. Removal causes are handled apart: EXPIRED is the normal end of a trace's
 * window; SIZE means the bound was hit and a decision was forgotten early — counted in {@link
 * #evictedEarly()} because an X-Ray half arriving after that is no longer joined by decision.
 *
 * <p>Heap: measured by {@code TraceIndexHeapTest}; the figure is in RATIONALE.md. Thread-safe.
 */
public final class TraceIndex {

  private final Cache<Long, IndexEntry> cache;
  private final LongAdder evictedEarly = new LongAdder();
  private final LongAdder expired = new LongAdder();
  /** Env strings are few; sharing them keeps the entries small. Bounded: past 1024, strings are kept as given. */
  private final ConcurrentHashMap<String, String> envs = new ConcurrentHashMap<>();

  public TraceIndex(long maxTraces, Duration ttl, Ticker ticker, Scheduler scheduler) {
    if (maxTraces < 1) throw new IllegalArgumentException("maxTraces must be ≥ 1, got " + maxTraces);
    Objects.requireNonNull(ttl, "ttl == null");
    this.cache = Caffeine.newBuilder()
        .maximumSize(maxTraces)
        .expireAfterWrite(ttl)
        .ticker(ticker)
        .scheduler(scheduler)
        // the listener only bumps a counter: run it inline, no hop to the common pool
        .executor(Runnable::run)
        .removalListener((Long key, IndexEntry value, RemovalCause cause) -> onRemoval(cause))
        .build();
  }

  /** A production index: system ticker, expiry on the JVM-wide scheduler. */
  public static TraceIndex create(long maxTraces, Duration ttl) {
    return new TraceIndex(maxTraces, ttl, Ticker.systemTicker(), Scheduler.systemScheduler());
  }

  private void onRemoval(RemovalCause cause) {
    // switch on the cause: wasEvicted() is true for EXPIRED as well
    switch (cause) {
      case SIZE, COLLECTED -> evictedEarly.increment();
      case EXPIRED -> expired.increment();
      case EXPLICIT, REPLACED -> {}
    }
  }

  /** The entry for {@code key}, or null when the index does not know the trace. */
  public IndexEntry get(TraceKey key) {
    return cache.getIfPresent(key.value());
  }

  /**
   * A tracer's chunk of the trace was seen. If the trace is new, the tracer's priority decides; if the
   * X-Ray half came first, its decision stands and the native ids are added. Returns the entry after.
   */
  public IndexEntry recordNative(TraceKey key, long traceId, long traceIdHigh, String env, int priority, long nowSeconds) {
    String e = intern(env);
    return cache.asMap().compute(key.value(), (k, old) -> {
      // new trace, or only an X-Ray half of another env was seen: the tracer decides for its half
      if (old == null || (!old.nativeSeen() && !old.env().equals(e))) {
        return new IndexEntry(traceId, traceIdHigh, e, priority, Half.NATIVE, true, nowSeconds);
      }
      if (old.nativeSeen() && (old.traceIdHigh() != 0 || traceIdHigh == 0)) return old;
      long high = traceIdHigh != 0 ? traceIdHigh : old.traceIdHigh();
      String env2 = old.nativeSeen() ? old.env() : e;
      return new IndexEntry(traceId, high, env2, old.priority(), old.decidedBy(), true, old.firstSeenSeconds());
    });
  }

  /**
   * An X-Ray half is the first half seen of the trace: record its decision unless another half got
   * there first. Returns the entry that was already there (the caller then follows it), or null
   * when this call recorded the trace.
   */
  public IndexEntry recordXRayIfAbsent(TraceKey key, long traceId, String env, int priority, Half half, long nowSeconds) {
    return cache.asMap().putIfAbsent(key.value(), new IndexEntry(traceId, 0, intern(env), priority, half, false, nowSeconds));
  }

  public long size() {
    return cache.estimatedSize();
  }

  /** Entries dropped because the index was full (their decision was forgotten before the TTL). */
  public long evictedEarly() {
    return evictedEarly.sum();
  }

  public long expired() {
    return expired.sum();
  }

  /** Runs pending maintenance (evictions, expiry); for tests and before measuring. */
  public void cleanUp() {
    cache.cleanUp();
  }

  private String intern(String env) {
    String shared = envs.get(env);
    if (shared != null) return shared;
    if (envs.size() >= 1024) return env;
    String prev = envs.putIfAbsent(env, env);
    return prev != null ? prev : env;
  }
}
