package org.xraybridge.model;

/**
 * Told which polled sources this replica owns (implemented by the wiring's sources, called by kafka
 * mode's election, docs/cluster.md "Sources"): a source is polled by exactly one replica at a time,
 * so a source is {@link #released} — its poller stopped and its final checkpoint written — before
 * another replica is told it {@link #acquired} it. Called on one thread, in order.
 */
public interface SourceOwner {

  /** Start polling {@code source}, resuming from its checkpoint. */
  void acquired(String source);

  /** Stop polling {@code source} and write its final checkpoint: another replica takes it next. */
  void released(String source);

  /**
   * Stop polling {@code source} without writing its checkpoint: this replica was found out of the
   * group, so another may already own the source and have written a newer one.
   */
  void lost(String source);
}
