package org.xraybridge.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the spans topic and the index changelog when they are absent, and refuses, at start-up,
 * topics that cannot work: partitions that differ between the two (the changelog must be
 * co-partitioned with the spans), a changelog that is not compacted, a retention that does not cover
 * {@code bridge.merge.index-ttl}. Each refusal is one line naming the topic and the setting
 * (docs/cluster.md, "Topics").
 */
final class TopicSetup {

  private static final Logger log = LoggerFactory.getLogger(TopicSetup.class);
  private static final long DAY_MS = Duration.ofDays(1).toMillis();
  private static final long BOUND_SECONDS = 30;

  private TopicSetup() {}

  /** Ensures both topics; returns the partition count they share. */
  static int ensure(Admin admin, ClusterSettings s) {
    return bounded(s, () -> ensureSpans(admin, s));
  }

  /**
   * Ensures the sources topic — a partition per source, source {@code i} of the sorted names on
   * partition {@code i} — and the compacted checkpoints topic; refuses a sources topic with fewer
   * partitions than sources and a checkpoints topic that is not compacted, or deletes what it holds.
   */
  static void ensureSources(Admin admin, ClusterSettings s, int sources, int maxCheckpointBytes) {
    bounded(s, () -> {
      Set<String> existing = admin.listTopics().names().get(BOUND_SECONDS, TimeUnit.SECONDS);
      List<NewTopic> create = new ArrayList<>();
      if (!existing.contains(s.sourcesTopic())) {
        create.add(new NewTopic(s.sourcesTopic(), Math.max(1, sources), s.replicationFactor()).configs(Map.of(
            TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE)));
      }
      if (!existing.contains(s.checkpointsTopic())) {
        // a short segment: a source's new owner reads its partition to the end, and compaction
        // leaves the active segment alone
        create.add(new NewTopic(s.checkpointsTopic(), Math.max(1, Math.min(s.partitions(), sources)), s.replicationFactor())
            .configs(Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                TopicConfig.SEGMENT_MS_CONFIG, Long.toString(Duration.ofMinutes(10).toMillis()),
                TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG, "0.1",
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(maxCheckpointBytes))));
      }
      if (!create.isEmpty()) create(admin, create, s);
      int partitions = describe(admin, s.sourcesTopic()).get(s.sourcesTopic()).partitions().size();
      if (partitions < sources) {
        throw new IllegalStateException("bridge.xray.sources: topic " + s.sourcesTopic() + " has " + partitions
            + " partitions for " + sources + " X-Ray sources (one each); add partitions to it (kafka-topics.sh --alter"
            + " --partitions " + sources + ")");
      }
      Config c = configs(admin, s.checkpointsTopic()).get(new ConfigResource(ConfigResource.Type.TOPIC, s.checkpointsTopic()));
      String policy = value(c, TopicConfig.CLEANUP_POLICY_CONFIG);
      long retention = Long.parseLong(value(c, TopicConfig.RETENTION_MS_CONFIG));
      if (!policy.contains(TopicConfig.CLEANUP_POLICY_COMPACT)
          || (policy.contains(TopicConfig.CLEANUP_POLICY_DELETE) && retention >= 0)) {
        throw new IllegalStateException("bridge.cluster.kafka.topic-prefix: topic " + s.checkpointsTopic() + " has cleanup.policy="
            + policy + (policy.contains(TopicConfig.CLEANUP_POLICY_DELETE) ? " with retention.ms=" + retention : "")
            + "; the checkpoints topic needs cleanup.policy=compact (a checkpoint must outlive any retention)");
      }
      return null;
    });
  }

  private static <T> T bounded(ClusterSettings s, AdminCall<T> call) {
    try {
      return call.call();
    } catch (ExecutionException e) {
      throw new IllegalStateException("bridge.cluster.kafka.bootstrap-servers: the Kafka cluster refused the topic check: "
          + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("bridge.cluster.kafka.bootstrap-servers: no Kafka broker answered within "
          + BOUND_SECONDS + " s at " + s.bootstrapServers(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("bridge.cluster: interrupted while checking the topics", e);
    }
  }

  private static int ensureSpans(Admin admin, ClusterSettings s) throws InterruptedException, TimeoutException, ExecutionException {
    Set<String> existing = admin.listTopics().names().get(BOUND_SECONDS, TimeUnit.SECONDS);
    long retention = Math.max(DAY_MS, 2 * s.indexTtl().toMillis());
    List<NewTopic> create = new ArrayList<>();
    if (!existing.contains(s.spansTopic())) {
      create.add(new NewTopic(s.spansTopic(), s.partitions(), s.replicationFactor()).configs(Map.of(
          TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
          TopicConfig.RETENTION_MS_CONFIG, Long.toString(retention),
          TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(s.largestRecordBytes() + 64 * 1024))));
    }
    if (!existing.contains(s.indexTopic())) {
      create.add(new NewTopic(s.indexTopic(), s.partitions(), s.replicationFactor()).configs(Map.of(
          TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT + "," + TopicConfig.CLEANUP_POLICY_DELETE,
          TopicConfig.RETENTION_MS_CONFIG, Long.toString(retention))));
    }
    if (!create.isEmpty()) create(admin, create, s);
    Map<String, TopicDescription> d = describe(admin, s.spansTopic(), s.indexTopic());
    int spans = d.get(s.spansTopic()).partitions().size();
    int index = d.get(s.indexTopic()).partitions().size();
    if (spans != index) {
      throw new IllegalStateException("bridge.cluster.kafka.topic-prefix: topic " + s.indexTopic() + " has " + index
          + " partitions and " + s.spansTopic() + " " + spans + "; the index changelog must have as many as the spans topic"
          + " (co-partitioned), so give them the same count");
    }
    checkConfigs(admin, s);
    return spans;
  }

  /** The topics' descriptions; a topic just created may take a moment to be known to the broker asked. */
  private static Map<String, TopicDescription> describe(Admin admin, String... topics)
      throws InterruptedException, TimeoutException, ExecutionException {
    return retrying(() -> admin.describeTopics(List.of(topics)).allTopicNames().get(BOUND_SECONDS, TimeUnit.SECONDS));
  }

  /** The topics' configurations, likewise. */
  private static Map<ConfigResource, Config> configs(Admin admin, String... topics)
      throws InterruptedException, TimeoutException, ExecutionException {
    List<ConfigResource> r = new ArrayList<>();
    for (String t : topics) r.add(new ConfigResource(ConfigResource.Type.TOPIC, t));
    return retrying(() -> admin.describeConfigs(r).all().get(BOUND_SECONDS, TimeUnit.SECONDS));
  }

  private interface AdminCall<T> {
    T call() throws InterruptedException, TimeoutException, ExecutionException;
  }

  private static <T> T retrying(AdminCall<T> call) throws InterruptedException, TimeoutException, ExecutionException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(BOUND_SECONDS);
    while (true) {
      try {
        return call.call();
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) throw e;
        Thread.sleep(100);
      }
    }
  }

  private static void create(Admin admin, Collection<NewTopic> topics, ClusterSettings s)
      throws InterruptedException, TimeoutException, ExecutionException {
    int brokers = admin.describeCluster().nodes().get(BOUND_SECONDS, TimeUnit.SECONDS).size();
    if (s.replicationFactor() > brokers) {
      throw new IllegalStateException("bridge.cluster.kafka.replication-factor (" + s.replicationFactor() + ") is more than the "
          + brokers + " broker(s) of the Kafka cluster at " + s.bootstrapServers());
    }
    for (NewTopic t : topics) {
      try {
        admin.createTopics(List.of(t)).all().get(BOUND_SECONDS, TimeUnit.SECONDS);
        log.info("cluster: created topic {} ({} partitions, replication factor {}, {})", t.name(), t.numPartitions(),
            t.replicationFactor(), t.configs());
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) throw e; // another replica made it first
      }
    }
  }

  private static void checkConfigs(Admin admin, ClusterSettings s)
      throws InterruptedException, TimeoutException, ExecutionException {
    ConfigResource spans = new ConfigResource(ConfigResource.Type.TOPIC, s.spansTopic());
    ConfigResource index = new ConfigResource(ConfigResource.Type.TOPIC, s.indexTopic());
    Map<ConfigResource, Config> c = configs(admin, s.spansTopic(), s.indexTopic());
    String ttl = s.indexTtl().toString();
    long ttlMs = s.indexTtl().toMillis();
    String spansPolicy = value(c.get(spans), TopicConfig.CLEANUP_POLICY_CONFIG);
    long spansRetention = Long.parseLong(value(c.get(spans), TopicConfig.RETENTION_MS_CONFIG));
    if (spansPolicy.contains(TopicConfig.CLEANUP_POLICY_DELETE) && spansRetention >= 0 && spansRetention < ttlMs) {
      throw new IllegalStateException("bridge.merge.index-ttl (" + ttl + ") is longer than retention.ms=" + spansRetention
          + " of topic " + s.spansTopic() + ": a replica paused for the next hop would lose spans it has not forwarded;"
          + " raise the topic's retention.ms or lower the setting");
    }
    String indexPolicy = value(c.get(index), TopicConfig.CLEANUP_POLICY_CONFIG);
    if (!indexPolicy.contains(TopicConfig.CLEANUP_POLICY_COMPACT)) {
      throw new IllegalStateException("bridge.cluster.kafka.topic-prefix: topic " + s.indexTopic() + " has cleanup.policy="
          + indexPolicy + "; the index changelog needs compact (or compact,delete)");
    }
    long indexRetention = Long.parseLong(value(c.get(index), TopicConfig.RETENTION_MS_CONFIG));
    if (indexPolicy.contains(TopicConfig.CLEANUP_POLICY_DELETE) && indexRetention >= 0 && indexRetention < ttlMs) {
      throw new IllegalStateException("bridge.merge.index-ttl (" + ttl + ") is longer than retention.ms=" + indexRetention
          + " of topic " + s.indexTopic() + ": a rebuilt index would forget traces the others still remember;"
          + " raise the topic's retention.ms or lower the setting");
    }
  }

  private static String value(Config c, String key) {
    var e = c.get(key);
    return e == null || e.value() == null ? "" : e.value();
  }
}
