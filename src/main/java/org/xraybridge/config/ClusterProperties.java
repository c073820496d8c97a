package org.xraybridge.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * {@code bridge.cluster.*}: one bridge of several replicas on Apache Kafka (docs/cluster.md). The one
 * validated record of the cluster stage: every rule here, once, naming its key; config/Pipeline maps
 * it to the stage's {@code ClusterSettings}.
 *
 * @param mode {@code single} (one process, today's behaviour, the default) or {@code kafka}
 * @param replicaId this replica's name; blank: the host name
 * @param kafka {@code bridge.cluster.kafka.*}
 */
@ConfigurationProperties("bridge.cluster")
public record ClusterProperties(@DefaultValue("single") Mode mode, @DefaultValue("") String replicaId, @DefaultValue Kafka kafka) {

  public enum Mode {
    SINGLE,
    KAFKA
  }

  /** Client properties the bridge sets itself: correctness depends on them (docs/cluster.md, "Clients"). */
  static final Set<String> RESERVED = Set.of("bootstrap.servers", "group.id", "group.protocol", "enable.auto.commit", "acks",
      "enable.idempotence", "key.serializer", "value.serializer", "key.deserializer", "value.deserializer",
      "partition.assignment.strategy", "isolation.level");

  /**
   * @param bootstrapServers {@code host:port,…} of the Kafka cluster (env {@code BRIDGE_CLUSTER_KAFKA_BOOTSTRAP_SERVERS})
   * @param topicPrefix topics {@code <prefix>-spans} and {@code <prefix>-index}
   * @param partitions partitions of the topics the bridge creates
   * @param replicationFactor replication factor of the topics the bridge creates
   * @param groupId the consumer group; blank: {@code <topic-prefix>-bridge}
   * @param produceTimeout a tracer payload not acknowledged by Kafka within it is answered as an overload
   * @param maxRecordBytes chunks are split into records below this size (under the broker's 1 MB)
   * @param properties handed to every Kafka client as they are (TLS, SASL/SCRAM …); never printed
   * @param pollSources whether this replica polls the X-Ray API (step 1: exactly one replica should)
   * @param sessionTimeout the consumer group's session timeout: how long a dead replica keeps its partitions
   * @param rebuildTimeout a newly assigned partition waits this long at most for its index rebuild
   * @param drainTimeout a partition given up waits this long at most for its records' delivery before the commit
   */
  public record Kafka(
      @DefaultValue("") String bootstrapServers,
      @DefaultValue("xray-bridge") String topicPrefix,
      @DefaultValue("12") int partitions,
      @DefaultValue("3") int replicationFactor,
      @DefaultValue("") String groupId,
      @DefaultValue("2s") Duration produceTimeout,
      @DefaultValue("900KB") DataSize maxRecordBytes,
      Map<String, String> properties,
      @DefaultValue("true") boolean pollSources,
      @DefaultValue("10s") Duration sessionTimeout,
      @DefaultValue("30s") Duration rebuildTimeout,
      @DefaultValue("10s") Duration drainTimeout) {

    public Kafka {
      properties = properties == null ? Map.of() : Map.copyOf(properties);
      ConfigurationException.require(topicPrefix.matches("[A-Za-z0-9._-]{1,200}"),
          "bridge.cluster.kafka.topic-prefix must be 1–200 letters, digits, '.', '_' or '-', got '" + topicPrefix + "'");
      ConfigurationException.require(partitions >= 1 && partitions <= 10_000,
          "bridge.cluster.kafka.partitions must be between 1 and 10000, got " + partitions);
      ConfigurationException.require(replicationFactor >= 1 && replicationFactor <= Short.MAX_VALUE,
          "bridge.cluster.kafka.replication-factor must be at least 1, got " + replicationFactor);
      ConfigurationException.require(groupId.isBlank() || groupId.matches("[A-Za-z0-9._-]{1,200}"),
          "bridge.cluster.kafka.group-id must be 1–200 letters, digits, '.', '_' or '-', got '" + groupId + "'");
      ConfigurationException.require(produceTimeout.compareTo(Duration.ofMillis(100)) >= 0
          && produceTimeout.compareTo(Duration.ofMinutes(1)) <= 0,
          "bridge.cluster.kafka.produce-timeout must be between 100ms and 1m (tracers wait for the answer), got " + produceTimeout);
      ConfigurationException.require(maxRecordBytes.toBytes() >= 16 * 1024 && maxRecordBytes.toBytes() <= 64L * 1024 * 1024,
          "bridge.cluster.kafka.max-record-bytes must be between 16KB and 64MB (keep it under the broker's message.max.bytes), got "
              + maxRecordBytes);
      ConfigurationException.require(sessionTimeout.compareTo(Duration.ofSeconds(1)) >= 0
          && sessionTimeout.compareTo(Duration.ofMinutes(5)) <= 0,
          "bridge.cluster.kafka.session-timeout must be between 1s and 5m, got " + sessionTimeout);
      ConfigurationException.require(rebuildTimeout.compareTo(Duration.ofSeconds(1)) >= 0,
          "bridge.cluster.kafka.rebuild-timeout must be at least 1s, got " + rebuildTimeout);
      ConfigurationException.require(!drainTimeout.isNegative() && drainTimeout.compareTo(Duration.ofMinutes(2)) <= 0,
          "bridge.cluster.kafka.drain-timeout must be between 0s and 2m, got " + drainTimeout);
      for (String key : properties.keySet()) {
        ConfigurationException.require(!RESERVED.contains(key.toLowerCase(Locale.ROOT)),
            "bridge.cluster.kafka.properties." + key + " is set by the bridge itself and cannot be changed"
                + (key.equalsIgnoreCase("bootstrap.servers") ? " (use bridge.cluster.kafka.bootstrap-servers)" : ""));
      }
    }

    /** {@link #groupId}, or {@code <topic-prefix>-bridge}. */
    public String effectiveGroupId() {
      return groupId.isBlank() ? topicPrefix + "-bridge" : groupId;
    }

    /** The client properties' names only: their values may be secrets. */
    @Override
    public String toString() {
      return "Kafka[bootstrapServers=" + bootstrapServers + ", topicPrefix=" + topicPrefix + ", partitions=" + partitions
          + ", replicationFactor=" + replicationFactor + ", groupId=" + effectiveGroupId() + ", properties=" + properties.keySet() + "]";
    }
  }

  public ClusterProperties {
    if (mode == Mode.KAFKA) {
      ConfigurationException.require(!kafka.bootstrapServers().isBlank(),
          "bridge.cluster.kafka.bootstrap-servers (BRIDGE_CLUSTER_KAFKA_BOOTSTRAP_SERVERS) must be set when bridge.cluster.mode is kafka");
    }
    ConfigurationException.require(replicaId.isBlank() || replicaId.matches("[A-Za-z0-9._-]{1,200}"),
        "bridge.cluster.replica-id must be 1–200 letters, digits, '.', '_' or '-', got '" + replicaId + "'");
  }

  /** {@link #replicaId}, or this machine's host name. */
  public String effectiveReplicaId() {
    if (!replicaId.isBlank()) return replicaId;
    String env = System.getenv("HOSTNAME");
    if (env != null && !env.isBlank()) return env.strip();
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "replica";
    }
  }
}
