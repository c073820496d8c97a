package org.xraybridge.model;

/**
 * The merge stage's state as it changes, written down so that another replica can rebuild it: kafka
 * mode appends each change to the index changelog, in the partition of the record that caused it
 * (docs/cluster.md, "Rebalance without forgetting"). Called on the thread that offered the data, right
 * after the change; implementations are quick and never throw. {@link #NONE} in single mode.
 */
public interface MergeJournal {

  /** The index entry of {@code key} is now {@code state}. */
  void indexed(TraceKey key, TraceState state);

  /** X-Ray spans of {@code key} were handed on and are now remembered as sent. */
  void sent(TraceKey key, long[] spanIds);

  MergeJournal NONE = new MergeJournal() {
    @Override public void indexed(TraceKey key, TraceState state) {}
    @Override public void sent(TraceKey key, long[] spanIds) {}
  };
}
