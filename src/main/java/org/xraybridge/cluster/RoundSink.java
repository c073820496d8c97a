package org.xraybridge.cluster;

import org.xraybridge.model.BatchSink;
import org.xraybridge.model.ChunkBatch;

/**
 * The forward stage as a kafka-mode merge stage sees it: every batch the consumer's round flushes
 * carries the round as its receipt, so the round learns when its spans settled. The merge stage's
 * periodic flush is not started in kafka mode, so batches come only from the consumer thread, which
 * sets the round around the flush.
 */
public final class RoundSink implements BatchSink {

  private final BatchSink forward;
  private volatile Round current;

  public RoundSink(BatchSink forward) {
    this.forward = forward;
  }

  void during(Round r) {
    current = r;
  }

  @Override
  public boolean saturated() {
    return forward.saturated();
  }

  @Override
  public void submit(ChunkBatch batch) {
    Round r = current;
    if (r == null) {
      forward.submit(batch);
      return;
    }
    r.expect(batch.spanCount());
    forward.submit(batch.withReceipt(r));
  }
}
