package org.xraybridge.merge;

import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.xraybridge.model.Admission;
import org.xraybridge.model.BatchSink;
import org.xraybridge.model.ChunkBatch;
import org.xraybridge.model.ConvertedTrace;
import org.xraybridge.model.Half;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.MergeJournal;
import org.xraybridge.model.MergeRestore;
import org.xraybridge.model.NativeSink;
import org.xraybridge.model.Priority;
import org.xraybridge.model.Rekeying;
import org.xraybridge.model.Span;
import org.xraybridge.model.StitchListener;
import org.xraybridge.model.StitchResult;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.model.TraceKey;
import org.xraybridge.model.TraceState;
import org.xraybridge.model.XRaySink;

/**
 * Where the halves meet. Tracers' chunks pass straight through (never held for the X-Ray half, which
 * comes minutes later): the index records them and they join the current batch. X-Ray halves are
 * stitched on arrival. The batch is flushed to the forward stage every {@code flushInterval} or when it
 * holds {@code maxBatchSpans}, with one chunk per trace (chunks of one trace that met in the batch are
 * merged, duplicate span ids dropped and counted).
 *
 * <p>Back-pressure: when the forward stage says it is saturated, offers answer {@link
 * Admission#OVERLOADED} without taking anything, so the receiver answers 429 and the poller waits.
 *
 * <p>Accounting: native spans are counted as received by the receiver; X-Ray spans are counted
 * received here, when a trace is accepted. Spans leave this stage as a batch handed on, or dropped
 * ({@code MERGE}: {@code SAMPLED_OUT}, {@code DUPLICATE}); {@link #inFlightSpans()} is what the current
 * batch holds. Thread-safe.
 *
 * <p>Kafka mode (docs/cluster.md): the cluster consumer is the only caller, on its one thread, and
 * flushes the batch itself (the periodic flush is not started); every change of the index and of the
 * sent-span set goes to the {@link MergeJournal}, and a rebuild puts journaled state back through
 * {@link MergeRestore}.
 */
public final class MergeStage implements NativeSink, XRaySink, MergeRestore, AutoCloseable {

  private static final CompletionStage<Admission> ACCEPTED = CompletableFuture.completedStage(Admission.ACCEPTED);
  private static final CompletionStage<Admission> OVERLOADED = CompletableFuture.completedStage(Admission.OVERLOADED);

  private final TraceIndex index;
  private final Stitcher stitcher;
  private final SentSpans sent;
  private final BatchSink forward;
  private final Ledger ledger;
  private final StitchListener listener;
  private final Duration flushInterval;
  private final int maxBatchSpans;
  private final MergeJournal journal;
  private final Object lock = new Object();
  /** Chunks of the current batch by the mixed trace id ({@link TraceIndex#mix}), in arrival order. */
  private LinkedHashMap<Long, List<TraceChunk>> pending = new LinkedHashMap<>();
  private int pendingSpans;
  private ScheduledExecutorService flusher;

  /** @param journal where every state change is written (kafka mode); {@link MergeJournal#NONE} in single mode */
  public MergeStage(
      TraceIndex index,
      Stitcher stitcher,
      BatchSink forward,
      Ledger ledger,
      StitchListener listener,
      Duration flushInterval,
      int maxBatchSpans,
      Duration sentSpanTtl,
      long maxSentSpans,
      Ticker ticker,
      Scheduler scheduler,
      MergeJournal journal) {
    this.index = Objects.requireNonNull(index, "index == null");
    this.journal = Objects.requireNonNull(journal, "journal == null");
    this.stitcher = Objects.requireNonNull(stitcher, "stitcher == null");
    this.forward = Objects.requireNonNull(forward, "forward == null");
    this.ledger = Objects.requireNonNull(ledger, "ledger == null");
    this.listener = Objects.requireNonNull(listener, "listener == null");
    this.flushInterval = Objects.requireNonNull(flushInterval, "flushInterval == null");
    if (maxBatchSpans < 1) throw new IllegalArgumentException("maxBatchSpans must be ≥ 1");
    this.maxBatchSpans = maxBatchSpans;
    this.sent = new SentSpans(maxSentSpans, sentSpanTtl, ticker, scheduler);
  }

  /** Starts the periodic flush. */
  public void start() {
    synchronized (lock) {
      if (flusher != null) return;
      flusher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "merge-flush");
        t.setDaemon(true);
        return t;
      });
    }
    long ms = Math.max(1, flushInterval.toMillis());
    flusher.scheduleWithFixedDelay(this::flushQuietly, ms, ms, TimeUnit.MILLISECONDS);
  }

  /** Stops the periodic flush and hands on what is pending. */
  @Override
  public void close() {
    ScheduledExecutorService f;
    synchronized (lock) {
      f = flusher;
      flusher = null;
    }
    if (f != null) {
      f.shutdown();
      try {
        f.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    flush();
  }

  /** Native chunks are taken or refused at once: the answer is complete when returned. */
  @Override
  public CompletionStage<Admission> offer(List<TraceChunk> chunks) {
    return take(chunks) == Admission.ACCEPTED ? ACCEPTED : OVERLOADED;
  }

  private Admission take(List<TraceChunk> chunks) {
    if (forward.saturated()) return Admission.OVERLOADED;
    int spans = 0;
    List<TraceChunk> decided = new ArrayList<>(chunks.size());
    for (int i = 0; i < chunks.size(); i++) {
      TraceChunk c = chunks.get(i);
      if (c.spans().isEmpty()) continue;
      TraceChunk d = stitcher.stitchNative(c);
      journalIndex(d.key());
      listener.nativeChunk(d, c.priority());
      decided.add(d);
      spans += d.size();
    }
    add(decided, spans);
    return Admission.ACCEPTED;
  }

  @Override
  public Admission offer(ConvertedTrace trace) {
    if (forward.saturated()) return Admission.OVERLOADED;
    int total = trace.spans().size();
    ledger.received(trace.half(), total);
    if (total == 0) return Admission.ACCEPTED;
    StitchResult r = stitcher.stitchXRay(trace);
    journalIndex(r.chunk() != null ? r.chunk().key() : Rekeying.keyOf(trace));
    if (r.chunk() == null) {
      ledger.dropped(Ledger.Stage.MERGE, Ledger.Reason.SAMPLED_OUT, total);
      listener.xray(trace, r, 0);
      return Admission.ACCEPTED;
    }
    TraceChunk chunk = r.chunk();
    TraceKey key = chunk.key();
    List<Span> fresh = null;
    int duplicates = 0;
    for (int i = 0; i < chunk.spans().size(); i++) {
      Span s = chunk.spans().get(i);
      if (sent.firstTime(key, s.spanId())) {
        if (fresh != null) fresh.add(s);
      } else {
        duplicates++;
        if (fresh == null) fresh = new ArrayList<>(chunk.spans().subList(0, i));
      }
    }
    if (duplicates > 0) {
      ledger.dropped(Ledger.Stage.MERGE, Ledger.Reason.DUPLICATE, duplicates);
      chunk = chunk.withSpans(Stitcher.tidOnFirst(fresh, Stitcher.tidOf(chunk.spans()))); // the tid's span may be gone
    }
    if (journal != MergeJournal.NONE && !chunk.spans().isEmpty()) journal.sent(key, spanIds(chunk.spans()));
    listener.xray(trace, r, duplicates);
    if (!chunk.spans().isEmpty()) add(List.of(chunk), chunk.size());
    return Admission.ACCEPTED;
  }

  @Override
  public void restoreIndex(TraceKey key, TraceState s) {
    index.restore(key, new IndexEntry(s.traceId(), s.traceIdHigh(), s.env(), s.priority(), s.decidedBy(), s.nativeSeen(),
        s.firstSeenSeconds()));
  }

  @Override
  public void restoreSent(TraceKey key, long[] spanIds) {
    for (long id : spanIds) sent.firstTime(key, id);
  }

  /** The index entry of {@code key} as it is now, to the journal (kafka mode only: a read costs a lock). */
  private void journalIndex(TraceKey key) {
    if (journal == MergeJournal.NONE) return;
    IndexEntry e = index.get(key);
    if (e == null) return;
    journal.indexed(key, new TraceState(e.traceId(), e.traceIdHigh(), e.env(), e.priority(), e.decidedBy(), e.nativeSeen(),
        e.firstSeenSeconds()));
  }

  private static long[] spanIds(List<Span> spans) {
    long[] ids = new long[spans.size()];
    for (int i = 0; i < ids.length; i++) ids[i] = spans.get(i).spanId();
    return ids;
  }

  private void add(List<TraceChunk> chunks, int spans) {
    if (chunks.isEmpty()) return;
    boolean full;
    synchronized (lock) {
      for (int i = 0; i < chunks.size(); i++) {
        TraceChunk c = chunks.get(i);
        // keyed by the mixed id: trace ids that differ only in high bits would share HashMap buckets (tree bins)
        pending.computeIfAbsent(TraceIndex.mix(c.traceId()), k -> new ArrayList<>(1)).add(c);
      }
      pendingSpans += spans;
      full = pendingSpans >= maxBatchSpans;
    }
    if (full) flush();
  }

  /** Hands the current batch to the forward stage (one chunk per trace). */
  public void flush() {
    LinkedHashMap<Long, List<TraceChunk>> batch;
    synchronized (lock) {
      if (pending.isEmpty()) return;
      batch = pending;
      pending = new LinkedHashMap<>();
      pendingSpans = 0;
    }
    List<TraceChunk> chunks = new ArrayList<>(batch.size());
    for (Map.Entry<Long, List<TraceChunk>> e : batch.entrySet()) {
      List<TraceChunk> parts = e.getValue();
      if (parts.size() == 1) chunks.add(parts.get(0));
      else for (List<TraceChunk> alike : byEnvAndDecision(parts)) chunks.add(alike.size() == 1 ? alike.get(0) : combine(alike));
    }
    ChunkBatch b = ChunkBatch.of(chunks);
    forward.submit(b);
    listener.flushed(b);
  }

  private void flushQuietly() {
    try {
      flush();
    } catch (RuntimeException e) {
      // the flusher must survive whatever the forward stage throws; the next tick tries again
      org.slf4j.LoggerFactory.getLogger(MergeStage.class).warn("merge flush failed", e);
    }
  }

  /**
   * The parts of one trace id, grouped by env and decision, in order of arrival: a half of another env
   * (a padded X-Ray id that matched no tracer of its env) keeps its own chunk, env and decision
   * (docs/stitching.md rule 3); joined halves share both and become one chunk.
   */
  private static Collection<List<TraceChunk>> byEnvAndDecision(List<TraceChunk> parts) {
    Map<String, List<TraceChunk>> groups = new LinkedHashMap<>();
    for (TraceChunk c : parts) groups.computeIfAbsent(c.env() + '\u0000' + c.priority(), k -> new ArrayList<>(2)).add(c);
    return groups.values();
  }

  /**
   * Chunks of one trace that met in one batch become one chunk. A span id seen twice keeps its later,
   * longer copy (a completed span beats an earlier snapshot) and the other is counted DUPLICATE.
   */
  private TraceChunk combine(List<TraceChunk> parts) {
    LinkedHashMap<Long, Span> spans = new LinkedHashMap<>();
    TraceChunk head = parts.get(0);
    int duplicates = 0;
    int priority = Priority.NONE;
    String env = "";
    TraceChunk nativePart = null;
    for (TraceChunk c : parts) {
      if (c.half() == Half.NATIVE && nativePart == null) nativePart = c;
      if (priority == Priority.NONE) priority = c.priority();
      if (env.isEmpty()) env = c.env();
      for (Span s : c.spans()) {
        Span prev = spans.get(s.spanId());
        if (prev == null) {
          spans.put(s.spanId(), s);
        } else {
          duplicates++;
          if (s.durationNanos() >= prev.durationNanos()) spans.put(s.spanId(), s);
        }
      }
    }
    if (duplicates > 0) ledger.dropped(Ledger.Stage.MERGE, Ledger.Reason.DUPLICATE, duplicates);
    TraceChunk base = nativePart != null ? nativePart : head;
    List<Span> merged = new ArrayList<>(spans.values());
    // the tid goes on the chunk's first span, where tracers put it; an earlier half may not have had it
    return new TraceChunk(base.traceId(), Stitcher.tidOnFirst(merged, Stitcher.tidOf(merged)), priority, base.origin(), env,
        base.half(), base.tracer());
  }

  /** Spans in the current batch, not yet handed on. */
  public long inFlightSpans() {
    synchronized (lock) {
      return pendingSpans;
    }
  }
}
