package org.xraybridge.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xraybridge.model.SourceOwner;

/**
 * Elects each polled source's poller through Kafka's group membership (docs/cluster.md "Sources"):
 * the replicas that may poll join the group {@code <group-id>-sources} on the topic {@code
 * <prefix>-sources}, whose partition {@code i} stands for source {@code i} of the sorted names (every
 * replica configured alike computes the same), and the partitions Kafka assigns a replica are the
 * sources it polls. Cooperative-sticky on the classic protocol: a source is revoked from its owner —
 * poller stopped, final checkpoint written, in the callback — before the rebalance that gives it to
 * another replica; a dead owner's sources move after the session timeout. Nothing is written to the
 * topic: the consumer only heartbeats and takes part in rebalances. Callbacks run on the thread
 * {@code cluster-sources}.
 */
final class SourceElection implements ConsumerRebalanceListener {

  private static final Logger log = LoggerFactory.getLogger(SourceElection.class);
  private static final long RETRY_NANOS = 5_000_000_000L;

  private final ClusterSettings settings;
  private final List<String> sources;
  private final SourceOwner owner;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final List<String> owned = new CopyOnWriteArrayList<>();
  /**
   * Owned sources that could not start (their checkpoint unreadable) → why: tried again every {@link
   * #RETRY_NANOS}; a source leaves it when it starts or moves away, and its error with it.
   */
  private final Map<String, String> failed = new ConcurrentSkipListMap<>();
  private long lastRetry;
  private volatile boolean running;
  /** Why the election itself stopped, or {@code ""}. */
  private volatile String stopped = "";
  private Thread thread;

  SourceElection(ClusterSettings settings, Collection<String> sources, SourceOwner owner) {
    this.settings = settings;
    this.sources = List.copyOf(new TreeSet<>(sources));
    this.owner = owner;
    this.consumer = new KafkaConsumer<>(KafkaClients.sourcesConsumer(settings));
  }

  /** Partition {@code i} of the sources topic stands for {@code sorted(names)[i]}; a partition beyond them for none. */
  static Optional<String> sourceOf(List<String> sortedNames, int partition) {
    return partition < sortedNames.size() ? Optional.of(sortedNames.get(partition)) : Optional.empty();
  }

  int sourceCount() {
    return sources.size();
  }

  void start() {
    running = true;
    thread = new Thread(this::run, "cluster-sources");
    thread.setDaemon(true);
    thread.start();
  }

  /** Leaves the group: every source owned here is released (stopped, checkpointed) first. */
  void stop() {
    running = false;
    consumer.wakeup();
    Thread t = thread;
    if (t == null) return;
    try {
      t.join(settings.sessionTimeout().toMillis() + 30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The sources this replica polls now, sorted. */
  List<String> owned() {
    List<String> o = new ArrayList<>(owned);
    o.sort(null);
    return o;
  }

  /** What is wrong here now: the election stopped, or owned sources could not start; {@code ""} when nothing is. */
  String lastError() {
    if (!stopped.isEmpty()) return stopped;
    StringJoiner j = new StringJoiner("; ");
    failed.forEach((source, why) -> j.add("source " + source + ": " + why));
    return j.toString();
  }

  private void run() {
    try {
      consumer.subscribe(List.of(settings.sourcesTopic()), this);
      while (running) {
        consumer.poll(Duration.ofMillis(500));
        retryFailed();
      }
    } catch (WakeupException e) {
      // stop()
    } catch (RuntimeException e) {
      stopped = e.toString();
      log.error("cluster: the sources election stopped on an unexpected error; this replica's sources move to the others", e);
    } finally {
      try {
        consumer.close(Duration.ofSeconds(10)); // revokes (releases) what is owned, then leaves the group
      } catch (RuntimeException e) {
        log.warn("cluster: closing the sources consumer failed: {}", e.toString());
      }
      for (String s : owned()) release(s, false); // not revoked by the close: another replica may have it already
      running = false;
    }
  }

  @Override
  public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
    for (TopicPartition tp : partitions) {
      Optional<String> s = sourceOf(sources, tp.partition());
      if (s.isEmpty() || owned.contains(s.get())) continue;
      owned.add(s.get());
      log.info("cluster: replica {} polls X-Ray source {} (partition {} of {})", settings.replicaId(), s.get(), tp.partition(),
          settings.sourcesTopic());
      acquire(s.get());
    }
  }

  private void acquire(String source) {
    try {
      owner.acquired(source);
      failed.remove(source);
    } catch (RuntimeException e) {
      // owned and not polled: tried again, never started from "now" past a checkpoint it could not read
      if (failed.put(source, String.valueOf(e.getMessage())) == null) {
        log.error("cluster: X-Ray source {} could not start here; trying again every 5 s", source, e);
      }
      lastRetry = System.nanoTime();
    }
  }

  private void retryFailed() {
    if (failed.isEmpty() || System.nanoTime() - lastRetry < RETRY_NANOS) return;
    for (String s : List.copyOf(failed.keySet())) if (owned.contains(s)) acquire(s);
    failed.keySet().retainAll(owned);
  }

  @Override
  public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
    for (TopicPartition tp : partitions) sourceOf(sources, tp.partition()).ifPresent(s -> release(s, true));
  }

  @Override
  public void onPartitionsLost(Collection<TopicPartition> partitions) {
    for (TopicPartition tp : partitions) sourceOf(sources, tp.partition()).ifPresent(s -> release(s, false));
  }

  private void release(String source, boolean revoked) {
    if (!owned.remove(source)) return;
    failed.remove(source);
    log.info("cluster: replica {} {} X-Ray source {}", settings.replicaId(), revoked ? "hands over" : "lost", source);
    try {
      if (revoked) owner.released(source);
      else owner.lost(source);
    } catch (RuntimeException e) {
      // an event, not a state: the source is not polled here either way (a failed final checkpoint is counted by its writer)
      log.warn("cluster: X-Ray source {} did not stop cleanly", source, e);
    }
  }
}
