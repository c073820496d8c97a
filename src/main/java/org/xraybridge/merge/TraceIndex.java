package org.xraybridge.merge;

import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.LongUnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xraybridge.model.Half;
import org.xraybridge.model.TraceKey;

/**
 * The bounded memory of traces seen lately: trace key (low 63 bits of the Datadog trace id) → the
 * native trace id, {@code _dd.p.tid}, env and the trace's one sampling decision (docs/stitching.md).
 * Written by both halves, so whichever arrives first decides and every later chunk agrees.
 *
 * <p>Bounds: {@code maxTraces} entries and a TTL after the last write ({@code bridge.merge.index-ttl},
 * 30 min by default, longer than X-Ray's 2–5 min delay), kept to the millisecond. Expiry runs on the
 * scheduler when the oldest trace is due (at most once a second), so memory is returned without
 * traffic; every call also removes what expired in its stripe. Removal causes are counted apart:
 * expiry is the normal end of a trace's window; eviction at the bound forgets a decision early —
 * counted in {@link #evictedEarly()} because an X-Ray half arriving after that is no longer joined by
 * decision. At the bound a stripe evicts its own oldest trace, which is close to the index's oldest
 * because keys spread evenly over the stripes.
 *
 * <p>No Caffeine cache inside: its per-entry objects cost more than the whole entry budget (RATIONALE.md,
 * "Stitch, don't hold"). Entries live packed in {@link IndexStripe}s, locked apart; the heap per trace
 * is measured by {@code TraceIndexHeapTest}. Caffeine's {@link Ticker} and {@link Scheduler} are kept
 * as the time source and timer so the index is wired and tested like the caches beside it. Thread-safe.
 */
public final class TraceIndex {

  /** The longest TTL a packed write time can compare: 2^42 ms, about 139 years. */
  public static final Duration MAX_TTL = Duration.ofMillis(IndexStripe.TIME_MASK);
  /** Past this the slot arrays of one stripe would not be indexable by int. */
  public static final long MAX_TRACES = 1L << 30;

  private static final Logger log = LoggerFactory.getLogger(TraceIndex.class);
  /** Below this many traces per stripe a stripe is not worth its lock; so small indexes have one, exactly bounded. */
  private static final long TRACES_PER_STRIPE = 4096;
  private static final int MAX_STRIPES = 64;
  /** Scheduled sweeps come at most this often, however the expiries spread. */
  private static final long SWEEP_PACE_MILLIS = 1_000;

  private final IndexStripe[] stripes;
  private final int stripeShift;
  private final LongUnaryOperator mix;
  private final IndexBudget budget;
  private final long ttlMillis;
  private final Ticker ticker;
  private final long originNanos;
  private final Scheduler scheduler;
  private final Executor sweepExecutor = ForkJoinPool.commonPool();
  private final AtomicBoolean sweepPending = new AtomicBoolean();

  public TraceIndex(long maxTraces, Duration ttl, Ticker ticker, Scheduler scheduler) {
    this(maxTraces, ttl, ticker, scheduler, TraceIndex::mix);
  }

  /** With {@code mix} as the key hash: tests force keys into one stripe and one bucket with it. */
  TraceIndex(long maxTraces, Duration ttl, Ticker ticker, Scheduler scheduler, LongUnaryOperator mix) {
    if (maxTraces < 1 || maxTraces > MAX_TRACES) {
      throw new IllegalArgumentException("bridge.merge.index-max-traces must be between 1 and " + MAX_TRACES + ", got " + maxTraces);
    }
    Objects.requireNonNull(ttl, "ttl == null");
    if (ttl.isNegative() || ttl.compareTo(MAX_TTL) > 0) {
      throw new IllegalArgumentException("bridge.merge.index-ttl must be between 0 and " + MAX_TTL + ", got " + ttl);
    }
    this.ticker = Objects.requireNonNull(ticker, "ticker == null");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler == null");
    this.mix = mix;
    this.ttlMillis = ttl.toMillis();
    this.originNanos = ticker.read();
    this.budget = new IndexBudget(maxTraces);
    int n = (int) Long.highestOneBit(Math.max(1, Math.min(MAX_STRIPES, maxTraces / TRACES_PER_STRIPE)));
    this.stripeShift = 64 - Integer.numberOfTrailingZeros(n);
    // a stripe may run over its even share by chance; the budget, not the stripe, holds the index to maxTraces
    long share = (maxTraces + n - 1) / n;
    int stripeBound = (int) (n == 1 ? maxTraces : Math.min(maxTraces, share + share / 4 + 64));
    EnvTable envs = new EnvTable();
    this.stripes = new IndexStripe[n];
    for (int i = 0; i < n; i++) stripes[i] = new IndexStripe(stripeBound, ttlMillis, mix, this::nowMillis, envs, budget);
  }

  /** A production index: system ticker, expiry on the JVM-wide scheduler. */
  public static TraceIndex create(long maxTraces, Duration ttl) {
    return new TraceIndex(maxTraces, ttl, Ticker.systemTicker(), Scheduler.systemScheduler());
  }

  /** The entry for {@code key}, or null when the index does not know the trace. */
  public IndexEntry get(TraceKey key) {
    return stripe(key.value()).get(key.value());
  }

  /**
   * A tracer's chunk of the trace was seen. If the trace is new, the tracer's priority decides; if the
   * X-Ray half came first, its decision stands and the native ids are added. Returns the entry after.
   * Every call is a write: the trace's TTL starts again.
   */
  public IndexEntry recordNative(TraceKey key, long traceId, long traceIdHigh, String env, int priority, long nowSeconds) {
    Objects.requireNonNull(env, "env == null");
    long k = key.value();
    IndexEntry e = withRoom(k, s -> s.recordNative(k, traceId, traceIdHigh, env, priority, nowSeconds));
    requestSweep(ttlMillis);
    return e;
  }

  /**
   * An X-Ray half is the first half seen of the trace: record its decision unless another half got
   * there first. Returns the entry that was already there (the caller then follows it; it is not
   * written), or null when this call recorded the trace.
   */
  public IndexEntry recordXRayIfAbsent(TraceKey key, long traceId, String env, int priority, Half half, long nowSeconds) {
    Objects.requireNonNull(env, "env == null");
    Objects.requireNonNull(half, "half == null");
    long k = key.value();
    IndexEntry e = withRoom(k, s -> s.recordXRayIfAbsent(k, traceId, env, priority, half, nowSeconds));
    if (e == null) requestSweep(ttlMillis);
    return e;
  }

  /**
   * Puts back an entry journaled by another replica (kafka mode's rebuild, docs/cluster.md): it replaces
   * what the index held for the key and is written now, so its TTL starts again from the rebuild.
   */
  public IndexEntry restore(TraceKey key, IndexEntry entry) {
    Objects.requireNonNull(entry, "entry == null");
    long k = key.value();
    IndexEntry e = withRoom(k, s -> s.restore(k, entry));
    requestSweep(ttlMillis);
    return e;
  }

  public long size() {
    return budget.traces();
  }

  /** Entries dropped because the index was full (their decision was forgotten before the TTL). */
  public long evictedEarly() {
    return budget.evictedEarlyCount();
  }

  public long expired() {
    return budget.expiredCount();
  }

  /** Runs expiry now in every stripe (and gives back memory); for tests and before measuring. */
  public void cleanUp() {
    sweep();
  }

  int stripeCount() {
    return stripes.length;
  }

  /** Slots allocated in all stripes: for tests that memory follows the traces held. */
  long capacity() {
    long c = 0;
    for (IndexStripe s : stripes) c += s.capacity();
    return c;
  }

  private IndexStripe stripe(long key) {
    return stripes.length == 1 ? stripes[0] : stripes[(int) (mix.applyAsLong(key) >>> stripeShift)];
  }

  /** Runs {@code write} on the key's stripe until it found room. */
  private IndexEntry withRoom(long key, Function<IndexStripe, IndexEntry> write) {
    IndexStripe s = stripe(key);
    for (;;) {
      IndexEntry e = write.apply(s);
      if (e != IndexStripe.NO_ROOM) return e;
      makeRoomElsewhere();
    }
  }

  /** The whole index is full and the writer's stripe is empty: evict the oldest of the fullest stripe. */
  private void makeRoomElsewhere() {
    IndexStripe fullest = stripes[0];
    for (IndexStripe s : stripes) if (s.size() > fullest.size()) fullest = s;
    // nothing to evict means another writer holds the last places mid-insert: it will finish
    if (!fullest.evictOldest()) Thread.onSpinWait();
  }

  /** Sweeps every stripe; returns the oldest write left in the index, or -1 when it is empty. */
  private long sweep() {
    long oldest = -1;
    for (IndexStripe s : stripes) {
      long o = s.sweep();
      if (o >= 0 && (oldest < 0 || o < oldest)) oldest = o;
    }
    return oldest;
  }

  private void sweepOnSchedule() {
    // cleared first: a write landing during the sweep either is seen by it or schedules the next one
    sweepPending.set(false);
    long oldest = sweep();
    if (oldest >= 0) requestSweep(oldest + ttlMillis - nowMillis());
  }

  private void requestSweep(long delayMillis) {
    if (sweepPending.get() || !sweepPending.compareAndSet(false, true)) return;
    try {
      scheduler.schedule(sweepExecutor, this::sweepOnSchedule, Math.max(SWEEP_PACE_MILLIS, delayMillis), TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      // left pending, so this is said once: expiry still happens on every call to a stripe
      log.warn("trace index: expiry could not be scheduled; expired traces are removed only as their stripe is used", e);
    }
  }

  /** Milliseconds since the index was made: what the stripes pack as write time. */
  private long nowMillis() {
    long elapsed = ticker.read() - originNanos;
    return elapsed <= 0 ? 0 : Math.min(IndexStripe.TIME_MASK, elapsed / 1_000_000);
  }

  /** Spreads keys over stripes (top bits) and buckets (low 32 bits): the murmur3 64-bit finaliser. */
  static long mix(long key) {
    long z = key;
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }
}
