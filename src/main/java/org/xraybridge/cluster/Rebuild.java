package org.xraybridge.cluster;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xraybridge.model.MergeRestore;

/**
 * Rebuilds the trace index and the sent-span set of newly assigned partitions from the index
 * changelog, on a thread of its own, while those partitions stay paused (docs/cluster.md, "Rebalance
 * without forgetting"): each changelog partition is read from its beginning to the end it had when the
 * rebuild began, or until {@code rebuildTimeout}. Index entries older than the index TTL are left out.
 * A sent-span entry counts only when its record is below the partition's committed offset: a record
 * at or past it is read again, and its spans must go out again rather than be taken for sent. The
 * markers tell how far the previous owner handed spans on: records read again below that were maybe
 * forwarded already ({@code redelivered}).
 */
final class Rebuild implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Rebuild.class);

  /** What a rebuild found; {@code handedThrough} by spans-topic partition. */
  record Done(long generation, List<TopicPartition> partitions, Map<TopicPartition, Long> handedThrough, boolean complete,
      long entries, long millis) {}

  private final ClusterSettings settings;
  private final MergeRestore restore;
  private final Clock clock;
  private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "cluster-rebuild");
    t.setDaemon(true);
    return t;
  });
  private final ConcurrentLinkedQueue<Done> done = new ConcurrentLinkedQueue<>();

  Rebuild(ClusterSettings settings, MergeRestore restore, Clock clock) {
    this.settings = settings;
    this.restore = restore;
    this.clock = clock;
  }

  /** Starts rebuilding {@code committed}'s partitions (spans topic), each below its committed offset. */
  void start(long generation, Map<TopicPartition, Long> committed) {
    thread.submit(() -> done.add(run(generation, committed)));
  }

  /** A finished rebuild, or null. */
  Done poll() {
    return done.poll();
  }

  private Done run(long generation, Map<TopicPartition, Long> committed) {
    long t0 = System.nanoTime();
    List<TopicPartition> spans = new ArrayList<>(committed.keySet());
    Map<TopicPartition, Long> handed = new HashMap<>();
    Map<Integer, TopicPartition> byNumber = new HashMap<>();
    List<TopicPartition> index = new ArrayList<>();
    for (TopicPartition tp : spans) {
      byNumber.put(tp.partition(), tp);
      index.add(new TopicPartition(settings.indexTopic(), tp.partition()));
    }
    long entries = 0;
    boolean complete = false;
    long deadline = System.nanoTime() + settings.rebuildTimeout().toNanos();
    long ttl = settings.indexTtl().toMillis();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(KafkaClients.rebuildConsumer(settings))) {
      c.assign(index);
      c.seekToBeginning(index);
      Map<TopicPartition, Long> end = c.endOffsets(index, settings.rebuildTimeout());
      while (System.nanoTime() < deadline) {
        boolean behind = false;
        for (TopicPartition tp : index) if (c.position(tp, settings.rebuildTimeout()) < end.get(tp)) behind = true;
        if (!behind) {
          complete = true;
          break;
        }
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          TopicPartition source = byNumber.get(r.partition());
          if (source == null || r.offset() >= end.get(new TopicPartition(r.topic(), r.partition()))) continue;
          entries++;
          boolean fresh = clock.millis() - r.timestamp() < ttl;
          IndexChangelog.Entry e = IndexChangelog.read(r.key(), r.value());
          if (e instanceof IndexChangelog.Indexed i) {
            if (fresh) restore.restoreIndex(i.key(), i.state());
          } else if (e instanceof IndexChangelog.Sent s) {
            if (fresh && s.sourceOffset() < committed.get(source)) restore.restoreSent(s.key(), s.spanIds());
          } else if (e instanceof IndexChangelog.Marker m) {
            handed.merge(source, m.handedThrough(), Math::max);
          }
        }
      }
    } catch (RuntimeException e) {
      log.warn("cluster: rebuilding partitions {} from {} failed: {}", partitions(spans), settings.indexTopic(), e.toString());
    }
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    if (complete) {
      log.info("cluster: partitions {} rebuilt from {}: {} entries in {} ms", partitions(spans), settings.indexTopic(), entries, ms);
    } else {
      log.warn("cluster: rebuilding partitions {} from {} did not finish within {} ({} entries read); they go on with"
          + " what was read (X-Ray halves may miss their native half)", partitions(spans), settings.indexTopic(),
          settings.rebuildTimeout(), entries);
    }
    return new Done(generation, spans, handed, complete, entries, ms);
  }

  private static List<Integer> partitions(List<TopicPartition> tps) {
    List<Integer> n = new ArrayList<>();
    for (TopicPartition tp : tps) n.add(tp.partition());
    java.util.Collections.sort(n);
    return n;
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
