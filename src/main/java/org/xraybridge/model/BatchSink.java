package org.xraybridge.model;

/**
 * The forward stage as the merge stage sees it. {@link #saturated()} is asked before taking new
 * data in, so a full queue turns into back-pressure at the edges (429 to tracers, a paused poller)
 * rather than a drop in the middle. {@link #submit} always takes the batch: the bound is checked
 * before admission, and may be exceeded by at most one batch.
 */
public interface BatchSink {
  boolean saturated();

  void submit(ChunkBatch batch);
}
