package org.xraybridge.source.poll;

import java.util.Optional;

/**
 * Where a polled source keeps its checkpoint between runs, one value per source: a local file today
 * ({@link FileCheckpointStore}), a shared store when sources move between replicas. Whatever keeps
 * it, a saved value is read back exactly or refused with a {@link CheckpointException} (never
 * guessed: a reset cursor would skip every trace since the last poll), and a save is atomic (a crash
 * leaves the previous value or the new one).
 */
public interface CheckpointStore<T> {

  /**
   * The saved checkpoint; empty when none was ever saved.
   *
   * @throws CheckpointException when one exists but cannot be read back exactly
   */
  Optional<T> load();

  /**
   * Fails now when {@link #save} could not succeed, so a bad location stops start-up.
   *
   * @throws CheckpointException naming the location and what to do
   */
  void checkWritable();

  /**
   * Replaces the saved checkpoint atomically.
   *
   * @throws CheckpointException when it cannot (the previous one stays)
   */
  void save(T checkpoint);

  /** Where the checkpoint is kept, for logs and status. */
  String location();
}
