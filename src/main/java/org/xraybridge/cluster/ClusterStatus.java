package org.xraybridge.cluster;

import java.time.Instant;
import java.util.List;

/**
 * What the {@code cluster} health component shows (docs/cluster.md, "Health"); holds no secret.
 * Instants are {@link Instant#EPOCH} for "never".
 *
 * @param partitions spans-topic partitions this replica owns
 * @param rebuilding those of them whose index is being rebuilt (paused until then)
 * @param consumerLag records behind the end of the owned partitions
 * @param roundsInFlight rounds read and not yet committable (their spans are on their way)
 * @param sources the polled sources this replica owns in the sources group (kafka mode elects their pollers)
 */
public record ClusterStatus(
    String mode,
    String replicaId,
    String groupId,
    String spansTopic,
    boolean running,
    List<Integer> partitions,
    List<Integer> rebuilding,
    long consumerLag,
    int roundsInFlight,
    boolean pausedForForward,
    long producerFailedRecords,
    long producerInFlightSpans,
    long rebalances,
    long rebuilds,
    long rebuildsIncomplete,
    long redeliveredSpans,
    long skippedRecords,
    Instant lastCommitAt,
    String lastError,
    List<String> sources) {

  public ClusterStatus {
    partitions = List.copyOf(partitions);
    rebuilding = List.copyOf(rebuilding);
    sources = List.copyOf(sources);
  }

  /** This status with the polled sources this replica owns. */
  ClusterStatus withSources(List<String> owned, String error) {
    return new ClusterStatus(mode, replicaId, groupId, spansTopic, running, partitions, rebuilding, consumerLag, roundsInFlight,
        pausedForForward, producerFailedRecords, producerInFlightSpans, rebalances, rebuilds, rebuildsIncomplete, redeliveredSpans,
        skippedRecords, lastCommitAt, lastError.isEmpty() ? error : lastError, owned);
  }
}
