package org.xraybridge.model;

/**
 * Puts journaled merge state back ({@link MergeJournal}): kafka mode replays a partition's index
 * changelog into the trace index and the sent-span set when the partition is assigned, before any of
 * its records is read (docs/cluster.md). Thread-safe.
 */
public interface MergeRestore {

  /** The index entry of {@code key} becomes {@code state}, written now (its TTL starts again). */
  void restoreIndex(TraceKey key, TraceState state);

  /** {@code spanIds} of {@code key} count as sent. */
  void restoreSent(TraceKey key, long[] spanIds);
}
