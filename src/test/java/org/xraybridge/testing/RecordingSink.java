package org.xraybridge.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.xraybridge.model.Admission;
import org.xraybridge.model.BatchSink;
import org.xraybridge.model.ChunkBatch;
import org.xraybridge.model.ClientStatsSink;
import org.xraybridge.model.ConvertedTrace;
import org.xraybridge.model.NativeSink;
import org.xraybridge.model.Span;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.model.TracerInfo;
import org.xraybridge.model.XRaySink;

/**
 * The one recording sink, for every hand-off a stage makes: X-Ray traces (a source's), native chunks
 * and client stats (the receiver's), batches (the merge stage's). Records what it takes; answers
 * {@link Admission#OVERLOADED} while {@link #overloaded} is set or once {@link #budget} (X-Ray traces
 * it still takes; unlimited when negative) is spent, and counts those refusals. Thread-safe.
 */
public final class RecordingSink implements XRaySink, NativeSink, ClientStatsSink, BatchSink {

  public final List<ConvertedTrace> accepted = new CopyOnWriteArrayList<>();
  public final List<List<TraceChunk>> offers = new CopyOnWriteArrayList<>();
  public final List<byte[]> stats = new CopyOnWriteArrayList<>();
  public final List<TracerInfo> statsTracers = new CopyOnWriteArrayList<>();
  /** The thread each stats payload was offered on. */
  public final List<String> statsThreads = new CopyOnWriteArrayList<>();
  public final List<ChunkBatch> batches = new CopyOnWriteArrayList<>();
  public final AtomicInteger budget = new AtomicInteger(-1);
  public final AtomicInteger refused = new AtomicInteger();
  /** While set, every offer is refused and {@link #saturated()} is true. */
  public volatile boolean overloaded;

  @Override
  public Admission offer(ConvertedTrace trace) {
    if (refuse()) return Admission.OVERLOADED;
    while (true) {
      int b = budget.get();
      if (b == 0) {
        refused.incrementAndGet();
        return Admission.OVERLOADED;
      }
      if (b < 0 || budget.compareAndSet(b, b - 1)) break;
    }
    accepted.add(trace);
    return Admission.ACCEPTED;
  }

  @Override
  public CompletionStage<Admission> offer(List<TraceChunk> chunks) {
    if (refuse()) return CompletableFuture.completedStage(Admission.OVERLOADED);
    offers.add(List.copyOf(chunks));
    return CompletableFuture.completedStage(Admission.ACCEPTED);
  }

  @Override
  public Admission offer(byte[] clientStatsPayload, TracerInfo tracer) {
    if (refuse()) return Admission.OVERLOADED;
    stats.add(clientStatsPayload);
    statsTracers.add(tracer);
    statsThreads.add(Thread.currentThread().getName());
    return Admission.ACCEPTED;
  }

  @Override
  public boolean saturated() {
    return overloaded;
  }

  @Override
  public void submit(ChunkBatch batch) {
    batches.add(batch);
  }

  private boolean refuse() {
    if (!overloaded) return false;
    refused.incrementAndGet();
    return true;
  }

  /** Native chunks offered, in order. */
  public List<TraceChunk> chunks() {
    List<TraceChunk> all = new ArrayList<>();
    for (List<TraceChunk> o : offers) all.addAll(o);
    return all;
  }

  /** Chunks of every batch submitted, in order. */
  public List<TraceChunk> batchedChunks() {
    List<TraceChunk> all = new ArrayList<>();
    for (ChunkBatch b : batches) all.addAll(b.chunks());
    return all;
  }

  /** Every span taken, whatever the hand-off, in order, duplicates kept (so a test can see one). */
  public List<Span> spans() {
    List<Span> all = new ArrayList<>();
    for (ConvertedTrace t : accepted) all.addAll(t.spans());
    for (TraceChunk c : chunks()) all.addAll(c.spans());
    for (TraceChunk c : batchedChunks()) all.addAll(c.spans());
    return all;
  }

  public List<Long> spanIds() {
    List<Long> ids = new ArrayList<>();
    for (Span s : spans()) ids.add(s.spanId());
    return ids;
  }

  public int spanCount() {
    return spans().size();
  }

  /** Every emitted segment id of the X-Ray traces taken, duplicates kept. */
  public List<String> segmentIds() {
    List<String> ids = new ArrayList<>();
    for (ConvertedTrace t : accepted) ids.addAll(t.emittedSegmentIds());
    return ids;
  }

  /** The span whose id is {@code hexId}; fails when absent or there twice. */
  public Span span(String hexId) {
    long id = Long.parseUnsignedLong(hexId, 16);
    Span found = null;
    for (Span s : spans()) {
      if (s.spanId() == id) {
        if (found != null) throw new AssertionError("span " + hexId + " taken twice");
        found = s;
      }
    }
    if (found == null) throw new AssertionError("no span " + hexId + " among " + spans().size() + " spans");
    return found;
  }
}
