package org.xraybridge.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.concurrent.atomic.AtomicReference;
import org.xraybridge.merge.TraceIndex;
import org.xraybridge.model.ChunkBatch;
import org.xraybridge.model.ConvertedTrace;
import org.xraybridge.model.StitchListener;
import org.xraybridge.model.StitchResult;

/**
 * Metrics of the merge stage: {@code bridge_stitch_outcomes_total{outcome}} (joined, joined_xray,
 * index_miss, env_mismatch, sampled_out), {@code bridge_stitch_rekeyed_total} (datadog-metadata),
 * {@code bridge_index_traces}, {@code bridge_index_evicted_early_total} (decisions forgotten because
 * the index was full) and {@code bridge_merge_batches_total}; and what health shows of the stage.
 */
public final class StitchMetrics implements StitchListener {

  private final EnumMap<StitchResult.Outcome, Counter> outcomes = new EnumMap<>(StitchResult.Outcome.class);
  private final Counter rekeyed;
  private final Counter batches;
  private final AtomicReference<String> lastOutcome = new AtomicReference<>("");
  private volatile long lastBatchMillis;

  public StitchMetrics(MeterRegistry registry, TraceIndex index) {
    for (StitchResult.Outcome o : StitchResult.Outcome.values()) {
      outcomes.put(o, Counter.builder("bridge.stitch.outcomes").description("How X-Ray halves met the index")
          .tag("outcome", o.tag()).register(registry));
    }
    rekeyed = Counter.builder("bridge.stitch.rekeyed").description("X-Ray halves re-keyed by a datadog-metadata subsegment").register(registry);
    batches = Counter.builder("bridge.merge.batches").description("Batches handed to the forward stage").register(registry);
    Gauge.builder("bridge.index.traces", index, TraceIndex::size).description("Traces in the index").register(registry);
    io.micrometer.core.instrument.FunctionCounter.builder("bridge.index.evicted.early", index, TraceIndex::evictedEarly)
        .description("Index entries dropped because the index was full").register(registry);
  }

  @Override
  public void xray(ConvertedTrace trace, StitchResult result, int duplicates) {
    outcomes.get(result.outcome()).increment();
    if (result.rekeyed()) rekeyed.increment();
    lastOutcome.set(result.outcome().tag());
  }

  @Override
  public void flushed(ChunkBatch batch) {
    batches.increment();
    lastBatchMillis = System.currentTimeMillis();
  }

  public long count(StitchResult.Outcome outcome) {
    return (long) outcomes.get(outcome).count();
  }

  public String lastOutcome() {
    return lastOutcome.get();
  }

  public long lastBatchMillis() {
    return lastBatchMillis;
  }
}
