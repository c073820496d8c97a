package org.xraybridge.cluster;

import java.util.function.LongSupplier;

/**
 * What the cluster stage counts, implemented in {@code ops.MicrometerClusterMetrics} (the stage never
 * imports Micrometer). Names and meanings: docs/cluster.md, "Metrics". Implementations are thread-safe
 * and never throw.
 */
public interface ClusterMetrics {

  /** A record of the spans topic was not acknowledged within the produce timeout. */
  void produceFailed();

  /** A payload was answered as an overload before Kafka said anything about it. */
  void answeredBeforeAcknowledged();

  /** A record was skipped: {@code version} (unknown format) or {@code malformed}. */
  void recordSkipped(String reason);

  /** Spans read again after a replica died, which it may have forwarded already. */
  void redelivered(long spans);

  /** Partitions assigned to (or taken from) this replica by a rebalance. */
  void rebalanced(int assigned, int revoked, int lost);

  /** A partition's index was rebuilt from the changelog; {@code complete} false when the bound cut it short. */
  void rebuilt(boolean complete);

  /** The consumer's lag over its partitions, read when asked. */
  void lag(LongSupplier records);

  ClusterMetrics NONE = new ClusterMetrics() {
    @Override public void produceFailed() {}
    @Override public void answeredBeforeAcknowledged() {}
    @Override public void recordSkipped(String reason) {}
    @Override public void redelivered(long spans) {}
    @Override public void rebalanced(int assigned, int revoked, int lost) {}
    @Override public void rebuilt(boolean complete) {}
    @Override public void lag(LongSupplier records) {}
  };
}
