package org.xraybridge.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.function.LongSupplier;
import org.xraybridge.cluster.ClusterMetrics;

/**
 * The cluster stage's counters (kafka mode, docs/cluster.md "Metrics"), registered up front so they
 * read 0 before the first event: {@code bridge_cluster_produce_failures_total} (records not
 * acknowledged in time), {@code bridge_cluster_answered_before_ack_total}, {@code
 * bridge_cluster_records_skipped_total{reason}}, {@code bridge_cluster_redelivered_spans_total}, {@code
 * bridge_cluster_rebalances_total}, {@code bridge_cluster_partitions_moved_total{how}}, {@code
 * bridge_cluster_rebuilds_total{outcome}} and the gauge {@code bridge_cluster_consumer_lag}.
 */
public final class MicrometerClusterMetrics implements ClusterMetrics {

  private final MeterRegistry registry;
  private final Counter produceFailures;
  private final Counter answeredEarly;
  private final Map<String, Counter> skipped;
  private final Counter redelivered;
  private final Counter rebalances;
  private final Map<String, Counter> moved;
  private final Counter rebuildsComplete;
  private final Counter rebuildsIncomplete;

  public MicrometerClusterMetrics(MeterRegistry registry) {
    this.registry = registry;
    produceFailures = Counter.builder("bridge.cluster.produce.failures")
        .description("Spans-topic records Kafka did not acknowledge within the produce timeout").register(registry);
    answeredEarly = Counter.builder("bridge.cluster.answered.before.ack")
        .description("Tracer payloads answered as an overload because Kafka had not acknowledged them in time").register(registry);
    skipped = Map.of(
        "version", skippedCounter(registry, "version"),
        "malformed", skippedCounter(registry, "malformed"));
    redelivered = Counter.builder("bridge.cluster.redelivered.spans")
        .description("Spans read again after a replica died that it may have forwarded already (an upper bound of duplicates)")
        .register(registry);
    rebalances = Counter.builder("bridge.cluster.rebalances").description("Rebalances that moved partitions to or from this replica")
        .register(registry);
    moved = Map.of(
        "assigned", movedCounter(registry, "assigned"),
        "revoked", movedCounter(registry, "revoked"),
        "lost", movedCounter(registry, "lost"));
    rebuildsComplete = rebuildCounter(registry, "complete");
    rebuildsIncomplete = rebuildCounter(registry, "incomplete");
  }

  private static Counter skippedCounter(MeterRegistry r, String reason) {
    return Counter.builder("bridge.cluster.records.skipped").description("Spans-topic records skipped because they do not read back")
        .tag("reason", reason).register(r);
  }

  private static Counter movedCounter(MeterRegistry r, String how) {
    return Counter.builder("bridge.cluster.partitions.moved").description("Partitions assigned to, revoked from or lost by this replica")
        .tag("how", how).register(r);
  }

  private static Counter rebuildCounter(MeterRegistry r, String outcome) {
    return Counter.builder("bridge.cluster.rebuilds").description("Index rebuilds from the changelog on assignment, by outcome")
        .tag("outcome", outcome).register(r);
  }

  @Override
  public void produceFailed() {
    produceFailures.increment();
  }

  @Override
  public void answeredBeforeAcknowledged() {
    answeredEarly.increment();
  }

  @Override
  public void recordSkipped(String reason) {
    Counter c = skipped.get(reason);
    (c != null ? c : skipped.get("malformed")).increment();
  }

  @Override
  public void redelivered(long spans) {
    redelivered.increment(spans);
  }

  @Override
  public void rebalanced(int assigned, int revoked, int lost) {
    rebalances.increment();
    moved.get("assigned").increment(assigned);
    moved.get("revoked").increment(revoked);
    moved.get("lost").increment(lost);
  }

  @Override
  public void rebuilt(boolean complete) {
    (complete ? rebuildsComplete : rebuildsIncomplete).increment();
  }

  @Override
  public void lag(LongSupplier records) {
    Gauge.builder("bridge.cluster.consumer.lag", records, r -> r.getAsLong())
        .description("Records behind the end of the partitions this replica owns").strongReference(true).register(registry);
  }
}
