package org.xraybridge.cluster;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.xraybridge.model.Secret;

/**
 * The cluster stage's constructor arguments. {@code config.ClusterProperties} validates every value
 * once, naming its key; this record only carries them (docs/cluster.md lists the keys). {@link
 * #toString()} never shows a client property's value: they are {@link Secret}s.
 *
 * @param replicaId this replica's name: the consumer's client id, in record headers and the explain view
 * @param bootstrapServers the Kafka cluster
 * @param topicPrefix topics are {@code <prefix>-spans}, {@code <prefix>-index}, {@code <prefix>-sources} and
 *     {@code <prefix>-checkpoints}
 * @param partitions partitions of the topics the bridge creates
 * @param replicationFactor replication factor of the topics the bridge creates
 * @param groupId the consumer group every replica joins
 * @param produceTimeout a payload not acknowledged within it is answered as an overload
 * @param maxRecordBytes a chunk is split into records below this size
 * @param largestRecordBytes the spans topic's {@code max.message.bytes} when the bridge creates it: room
 *     for a single span larger than {@code maxRecordBytes}, which is never dropped for its size
 * @param clientProperties handed to every Kafka client as they are (TLS, SASL …)
 * @param sessionTimeout the consumer group's session timeout (classic protocol)
 * @param rebuildTimeout how long a newly assigned partition waits for its index rebuild at most
 * @param drainTimeout how long a partition given up waits for its records' delivery before the commit
 * @param indexTtl {@code bridge.merge.index-ttl}: what the topics' retention must cover
 * @param maxRoundSpans spans read before the merge batch is journaled and handed on
 */
public record ClusterSettings(
    String replicaId,
    String bootstrapServers,
    String topicPrefix,
    int partitions,
    short replicationFactor,
    String groupId,
    Duration produceTimeout,
    int maxRecordBytes,
    int largestRecordBytes,
    Map<String, Secret> clientProperties,
    Duration sessionTimeout,
    Duration rebuildTimeout,
    Duration drainTimeout,
    Duration indexTtl,
    int maxRoundSpans) {

  public ClusterSettings {
    Objects.requireNonNull(replicaId, "replicaId == null");
    Objects.requireNonNull(bootstrapServers, "bootstrapServers == null");
    Objects.requireNonNull(topicPrefix, "topicPrefix == null");
    Objects.requireNonNull(groupId, "groupId == null");
    clientProperties = Map.copyOf(clientProperties);
  }

  public String spansTopic() {
    return topicPrefix + "-spans";
  }

  public String indexTopic() {
    return topicPrefix + "-index";
  }

  /** A partition per polled source; nothing is written to it, its assignment elects each source's poller. */
  public String sourcesTopic() {
    return topicPrefix + "-sources";
  }

  /** The sources' checkpoints, compacted, keyed by source name. */
  public String checkpointsTopic() {
    return topicPrefix + "-checkpoints";
  }

  /** The second group, of the replicas that may poll: its members own sources, not spans. */
  public String sourcesGroupId() {
    return groupId + "-sources";
  }
}
