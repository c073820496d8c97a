package org.xraybridge.cluster;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xraybridge.model.Admission;
import org.xraybridge.model.Half;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.NativeSink;
import org.xraybridge.model.XRaySink;

/**
 * One replica's member of the consumer group: reads the partitions it owns, hands each record to the
 * merge stage and the merge batch to the forward stage in rounds, and commits a round's offsets only
 * once every span it handed on settled (docs/cluster.md, "Kafka is the buffer"). A round: records read
 * → merge; the round's index changes and its markers written to the changelog and acknowledged; the
 * merge batch flushed with the round as receipt.
 *
 * <p>While the forward stage is saturated every partition is paused (the lag grows in Kafka, nothing
 * piles up here). A partition given up in a rebalance first has its records delivered and committed
 * (bounded by {@code drainTimeout}), so a rebalance or a rolling restart sends nothing twice; a newly
 * assigned one stays paused until its index was rebuilt from the changelog. Records that do not read
 * back are skipped and counted, never retried.
 *
 * <p>Everything runs on the thread {@code cluster-consumer}, rebalance callbacks included; status is
 * read from volatile copies.
 */
final class ConsumerLoop implements ConsumerRebalanceListener {

  private static final Logger log = LoggerFactory.getLogger(ConsumerLoop.class);
  private static final long COMMIT_EVERY_NANOS = 200_000_000L;

  private final ClusterSettings settings;
  private final Consumer<byte[], byte[]> consumer;
  private final SpanRecords records;
  private final NativeSink natives;
  private final XRaySink xrays;
  private final RoundSink sink;
  private final Runnable flushMerge;
  private final Runnable flushForward;
  private final IndexChangelog journal;
  private final Rebuild rebuild;
  private final Ledger ledger;
  private final ClusterMetrics metrics;
  private final Rounds rounds = new Rounds();
  private final ArrayDeque<ConsumerRecord<byte[], byte[]>> held = new ArrayDeque<>();
  private final Set<TopicPartition> owned = new HashSet<>();
  private final Map<TopicPartition, Long> rebuilding = new HashMap<>();
  private final Map<TopicPartition, Long> committed = new HashMap<>();
  private final Map<TopicPartition, Long> redeliverBelow = new HashMap<>();
  private long generation;
  private long lastCommitNanos;
  /** The last synchronous commit failed because a rebalance was under way: poll to finish it, then commit again. */
  private boolean commitWaitsForRebalance;
  private boolean leaving;
  private volatile boolean running;
  private Thread thread;

  // status, written by the loop
  private volatile List<Integer> ownedView = List.of();
  private volatile List<Integer> rebuildingView = List.of();
  private volatile long lag;
  private volatile int roundsView;
  private volatile boolean pausedForForward;
  private volatile Instant lastCommitAt = Instant.EPOCH;
  private volatile String lastError = "";
  private final AtomicLong rebalances = new AtomicLong();
  private final AtomicLong rebuilds = new AtomicLong();
  private final AtomicLong rebuildsIncomplete = new AtomicLong();
  private final AtomicLong redelivered = new AtomicLong();
  private final AtomicLong skipped = new AtomicLong();
  private final Clock clock;

  ConsumerLoop(ClusterSettings settings, Consumer<byte[], byte[]> consumer, SpanRecords records, NativeSink natives,
      XRaySink xrays, RoundSink sink, Runnable flushMerge, Runnable flushForward, IndexChangelog journal, Rebuild rebuild,
      Ledger ledger, ClusterMetrics metrics, Clock clock) {
    this.settings = settings;
    this.consumer = consumer;
    this.records = records;
    this.natives = natives;
    this.xrays = xrays;
    this.sink = sink;
    this.flushMerge = flushMerge;
    this.flushForward = flushForward;
    this.journal = journal;
    this.rebuild = rebuild;
    this.ledger = ledger;
    this.metrics = metrics;
    this.clock = clock;
    metrics.lag(() -> lag);
  }

  void start() {
    running = true;
    thread = new Thread(this::run, "cluster-consumer");
    thread.setDaemon(true);
    thread.start();
  }

  /** Delivers and commits what was read (within the drain timeout), leaves the group and returns. */
  void stop() {
    running = false;
    Thread t = thread;
    if (t == null) return;
    try {
      t.join(settings.drainTimeout().toMillis() * 2 + 15_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  boolean running() {
    return running && thread != null && thread.isAlive();
  }

  private void run() {
    try {
      consumer.subscribe(List.of(settings.spansTopic()), this);
      while (running) {
        finishRebuilds();
        commit(false);
        applyPauses();
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          TopicPartition tp = new TopicPartition(r.topic(), r.partition());
          if (owned.contains(tp) && !rebuilding.containsKey(tp)) held.addLast(r);
        }
        if (!held.isEmpty() && !sink.saturated()) processHeld();
        observe();
      }
      leave();
    } catch (RuntimeException | InterruptedException e) {
      if (e instanceof InterruptedException) Thread.currentThread().interrupt();
      lastError = e.toString();
      log.error("cluster: the consumer stopped on an unexpected error; what it had not committed is read again by"
          + " the replica that takes its partitions", e);
    } finally {
      try {
        consumer.close(Duration.ofSeconds(10));
      } catch (RuntimeException e) {
        log.warn("cluster: closing the consumer failed: {}", e.toString());
      }
      // out of the group: its partitions (and their lag) are another replica's now
      ownedView = List.of();
      rebuildingView = List.of();
      lag = 0;
      running = false;
    }
  }

  /** Records held, in order, through merge; the round ends past its bound or when the forward stage is full. */
  private void processHeld() throws InterruptedException {
    Round round = rounds.start();
    while (!held.isEmpty()) {
      ConsumerRecord<byte[], byte[]> r = held.peekFirst();
      TopicPartition tp = new TopicPartition(r.topic(), r.partition());
      SpanRecords.Read read = records.read(r);
      journal.at(tp, r.offset());
      if (read instanceof SpanRecords.Skipped s) {
        skipped.incrementAndGet();
        metrics.recordSkipped(s.reason());
        ledger.consumed(Half.NATIVE, s.spans());
        ledger.dropped(Ledger.Stage.CLUSTER, Ledger.Reason.MALFORMED, s.spans());
        log.warn("cluster: record {}-{}@{} skipped ({}: {})", r.topic(), r.partition(), r.offset(), s.reason(), s.detail());
      } else {
        Admission a = read instanceof SpanRecords.Native n
            ? natives.offer(List.of(n.chunk())).toCompletableFuture().join()
            : xrays.offer(((SpanRecords.XRay) read).trace());
        if (a == Admission.OVERLOADED) break; // the forward stage filled up: this record waits for the next round
        if (read instanceof SpanRecords.Native n) ledger.consumed(Half.NATIVE, n.spans()); // X-Ray: merge counts it
        Long below = redeliverBelow.get(tp);
        if (below != null && r.offset() < below) {
          redelivered.addAndGet(read.spans());
          metrics.redelivered(read.spans());
        }
        round.spansRead += read.spans();
      }
      held.removeFirst();
      round.read(tp, r.offset());
      if (round.spansRead >= settings.maxRoundSpans()) {
        end(round);
        round = rounds.start();
      }
    }
    end(round);
  }

  /** The round's changes to the changelog (acknowledged), then its batch to the forward stage. */
  private void end(Round round) throws InterruptedException {
    journal.write(round, () -> !running);
    sink.during(round);
    try {
      flushMerge.run();
    } finally {
      sink.during(null);
      round.close();
    }
  }

  private void applyPauses() {
    boolean full = sink.saturated() || !held.isEmpty();
    pausedForForward = full;
    Set<TopicPartition> want = new HashSet<>(rebuilding.keySet());
    if (full) want.addAll(owned);
    Set<TopicPartition> now = consumer.paused();
    List<TopicPartition> pause = new ArrayList<>();
    List<TopicPartition> resume = new ArrayList<>();
    for (TopicPartition tp : want) if (!now.contains(tp) && owned.contains(tp)) pause.add(tp);
    for (TopicPartition tp : now) if (!want.contains(tp)) resume.add(tp);
    if (!pause.isEmpty()) consumer.pause(pause);
    if (!resume.isEmpty()) consumer.resume(resume);
  }

  private void commit(boolean sync) {
    if (!sync && System.nanoTime() - lastCommitNanos < COMMIT_EVERY_NANOS) return;
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (Map.Entry<TopicPartition, OffsetAndMetadata> e : rounds.committable(owned).entrySet()) {
      Long c = committed.get(e.getKey());
      if (c == null || e.getValue().offset() > c) offsets.put(e.getKey(), e.getValue());
    }
    lastCommitNanos = System.nanoTime();
    if (offsets.isEmpty()) return;
    if (sync) {
      commitWaitsForRebalance = false;
      try {
        consumer.commitSync(offsets, Duration.ofSeconds(10));
        committedNow(offsets);
      } catch (RebalanceInProgressException e) {
        commitWaitsForRebalance = true;
      } catch (RuntimeException e) {
        lastError = "commit: " + e;
        log.warn("cluster: committing {} failed ({}); those records will be read again by the next owner", offsets.keySet(), e.toString());
      }
    } else {
      consumer.commitAsync(offsets, (done, e) -> {
        if (e == null) committedNow(done);
        else log.debug("cluster: an asynchronous commit failed ({}); the next one carries the offsets", e.toString());
      });
    }
  }

  private void committedNow(Map<TopicPartition, OffsetAndMetadata> offsets) {
    for (Map.Entry<TopicPartition, OffsetAndMetadata> e : offsets.entrySet()) committed.merge(e.getKey(), e.getValue().offset(), Math::max);
    lastCommitAt = clock.instant();
  }

  /** Waits (bounded) until the rounds that read from {@code partitions} are done, then commits them. */
  private void drain(Collection<TopicPartition> partitions) {
    flushForward.run();
    long deadline = System.nanoTime() + settings.drainTimeout().toNanos();
    while (rounds.pending(partitions) && System.nanoTime() < deadline) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (rounds.pending(partitions)) {
      log.warn("cluster: partitions {} are given up before their spans were delivered (drain timeout {}); the next owner"
          + " reads the rest again (counted as redelivered)", numbers(partitions), settings.drainTimeout());
    }
    commit(true);
  }

  private void leave() {
    leaving = true;
    held.clear(); // not handed on: uncommitted, read by the next owner
    consumer.pause(consumer.assignment());
    drain(new ArrayList<>(owned));
    // a rebalance under way refuses the commit: finish it (partitions stay paused; any given up are
    // drained and committed by the callback) and commit again, or the next owner would send them twice
    long deadline = System.nanoTime() + settings.drainTimeout().toNanos() + TimeUnit.SECONDS.toNanos(10);
    while (commitWaitsForRebalance && !owned.isEmpty() && System.nanoTime() < deadline) {
      consumer.pause(consumer.assignment());
      consumer.poll(Duration.ofMillis(100));
      commit(true);
    }
    log.info("cluster: replica {} leaves the group after delivering and committing what it read", settings.replicaId());
  }

  @Override
  public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
    if (partitions.isEmpty()) return;
    held.removeIf(r -> partitions.contains(new TopicPartition(r.topic(), r.partition())));
    drain(partitions);
    drop(partitions);
    rebalances.incrementAndGet();
    metrics.rebalanced(0, partitions.size(), 0);
    log.info("cluster: gave up partitions {} (delivered and committed)", numbers(partitions));
  }

  @Override
  public void onPartitionsLost(Collection<TopicPartition> partitions) {
    if (partitions.isEmpty()) return;
    held.removeIf(r -> partitions.contains(new TopicPartition(r.topic(), r.partition())));
    drop(partitions);
    rebalances.incrementAndGet();
    metrics.rebalanced(0, 0, partitions.size());
    log.warn("cluster: lost partitions {} (this replica was out of the group too long); their uncommitted records are"
        + " read again by the next owner", numbers(partitions));
  }

  @Override
  public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
    if (partitions.isEmpty()) return;
    rebalances.incrementAndGet();
    metrics.rebalanced(partitions.size(), 0, 0);
    owned.addAll(partitions);
    consumer.pause(partitions);
    Map<TopicPartition, Long> from = new HashMap<>();
    try {
      Map<TopicPartition, OffsetAndMetadata> c = consumer.committed(new HashSet<>(partitions), Duration.ofSeconds(10));
      Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions, Duration.ofSeconds(10));
      for (TopicPartition tp : partitions) {
        OffsetAndMetadata o = c.get(tp);
        from.put(tp, o != null ? o.offset() : begin.getOrDefault(tp, 0L));
      }
    } catch (RuntimeException e) {
      // without the committed offsets no sent-span entry is trusted: X-Ray spans may go out twice, never get lost
      log.warn("cluster: the committed offsets of {} could not be read ({}); rebuilding without sent spans", numbers(partitions),
          e.toString());
      for (TopicPartition tp : partitions) from.put(tp, 0L);
    }
    committed.putAll(from);
    if (leaving) return; // stays paused: this replica is on its way out
    long g = ++generation;
    for (TopicPartition tp : partitions) rebuilding.put(tp, g);
    rebuild.start(g, from);
    log.info("cluster: assigned partitions {}; rebuilding their index from {}", numbers(partitions), settings.indexTopic());
  }

  private void drop(Collection<TopicPartition> partitions) {
    rounds.forget(partitions);
    owned.removeAll(partitions);
    for (TopicPartition tp : partitions) {
      rebuilding.remove(tp);
      redeliverBelow.remove(tp);
      committed.remove(tp);
    }
  }

  private void finishRebuilds() {
    for (Rebuild.Done d; (d = rebuild.poll()) != null; ) {
      rebuilds.incrementAndGet();
      if (!d.complete()) rebuildsIncomplete.incrementAndGet();
      metrics.rebuilt(d.complete());
      for (TopicPartition tp : d.partitions()) {
        Long g = rebuilding.get(tp);
        if (g == null || g != d.generation()) continue;
        rebuilding.remove(tp);
        Long handed = d.handedThrough().get(tp);
        Long from = committed.get(tp);
        if (handed != null && from != null && handed > from) {
          redeliverBelow.put(tp, handed);
          log.warn("cluster: partition {} was handed on through offset {} but committed only up to {}: records in between are"
              + " sent again and counted as redelivered", tp.partition(), handed, from);
        }
      }
    }
  }

  private void observe() {
    long sum = 0;
    for (TopicPartition tp : owned) {
      OptionalLong l = consumer.currentLag(tp);
      if (l.isPresent()) sum += l.getAsLong();
    }
    lag = sum;
    roundsView = rounds.size();
    ownedView = numbers(owned);
    rebuildingView = numbers(rebuilding.keySet());
  }

  private static List<Integer> numbers(Collection<TopicPartition> tps) {
    List<Integer> n = new ArrayList<>();
    for (TopicPartition tp : tps) n.add(tp.partition());
    java.util.Collections.sort(n);
    return n;
  }

  ClusterStatus status(String mode, long producerFailed, long producerInFlight) {
    return new ClusterStatus(mode, settings.replicaId(), settings.groupId(), settings.spansTopic(), running(), ownedView,
        rebuildingView, lag, roundsView, pausedForForward, producerFailed, producerInFlight, rebalances.get(), rebuilds.get(),
        rebuildsIncomplete.get(), redelivered.get(), skipped.get(), lastCommitAt, lastError, List.of());
  }
}
