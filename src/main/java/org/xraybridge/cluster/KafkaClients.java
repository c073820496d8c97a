package org.xraybridge.cluster;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.xraybridge.model.Secret;

/**
 * The configurations of the Kafka clients a replica runs, in three layers: our defaults, then the
 * operator's {@code bridge.cluster.kafka.properties.*} (TLS, SASL, tuning), then what correctness
 * needs and no property may change (acks=all, idempotence, manual commits, the group). Why each
 * setting: docs/cluster.md, "Clients".
 */
final class KafkaClients {

  private KafkaClients() {}

  /** The spans producer: a payload's answer waits for its acknowledgement, bounded by the produce timeout. */
  static Map<String, Object> spansProducer(ClusterSettings s, String clientId) {
    int timeout = (int) Math.max(100, Math.min(Integer.MAX_VALUE, s.produceTimeout().toMillis()));
    int linger = Math.min(5, timeout / 10);
    Map<String, Object> c = base(s, clientId);
    c.put(ProducerConfig.LINGER_MS_CONFIG, linger);
    c.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    c.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, s.largestRecordBytes() + 64 * 1024);
    c.putAll(user(s));
    c.put(ProducerConfig.LINGER_MS_CONFIG, linger); // the timeouts below are computed from it
    // send() never waits longer than the answer may, and a record is failed (never left pending) when
    // it cannot be acknowledged in time: the payload is then answered as an overload
    c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout);
    c.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, timeout);
    c.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.max(1, timeout - linger));
    return durable(c);
  }

  /** The index changelog producer: waits as long as it must (a round is journaled before it is handed on). */
  static Map<String, Object> journalProducer(ClusterSettings s, String clientId) {
    Map<String, Object> c = base(s, clientId);
    c.put(ProducerConfig.LINGER_MS_CONFIG, 2);
    c.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    c.putAll(user(s));
    c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
    return durable(c);
  }

  /** The group member that runs merge and forward for the partitions it owns. */
  static Map<String, Object> groupConsumer(ClusterSettings s) {
    Map<String, Object> c = member(s, s.groupId(), s.replicaId());
    c.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
    return c;
  }

  /**
   * The member of the sources group: the same protocol and session timeout, so a dead replica's
   * sources move when its partitions do; it reads nothing (the sources topic stays empty).
   */
  static Map<String, Object> sourcesConsumer(ClusterSettings s) {
    Map<String, Object> c = member(s, s.sourcesGroupId(), s.replicaId() + "-sources");
    c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
    return c;
  }

  private static Map<String, Object> member(ClusterSettings s, String groupId, String clientId) {
    int session = (int) s.sessionTimeout().toMillis();
    Map<String, Object> c = base(s, clientId);
    c.putAll(user(s));
    c.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    // classic: the session timeout is the client's (KIP-848's is the broker's), and the failover time with it
    c.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
    c.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, session);
    c.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, Math.max(100, session / 3));
    // only the partitions that move are given up: the others keep their index (their poller) and go on
    c.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    return deserializers(c);
  }

  /** The checkpoints producer: a save returns once acknowledged by every in-sync replica, bounded. */
  static Map<String, Object> checkpointProducer(ClusterSettings s, String clientId, int maxBytes, int timeoutMs) {
    Map<String, Object> c = base(s, clientId);
    c.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    c.putAll(user(s));
    c.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    c.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, maxBytes);
    c.put(ProducerConfig.BUFFER_MEMORY_CONFIG, (long) maxBytes + (1 << 20));
    c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeoutMs);
    c.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, timeoutMs);
    c.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs - 1);
    return durable(c);
  }

  /** A reader of one checkpoints partition to its end: no group, nothing committed. */
  static Map<String, Object> checkpointReader(ClusterSettings s, int maxBytes) {
    Map<String, Object> c = reader(s, s.replicaId() + "-checkpoints");
    c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, maxBytes);
    return c;
  }

  /** A reader of the index changelog's partitions on assignment: no group, nothing committed. */
  static Map<String, Object> rebuildConsumer(ClusterSettings s) {
    Map<String, Object> c = reader(s, s.replicaId() + "-rebuild");
    c.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
    return c;
  }

  private static Map<String, Object> reader(ClusterSettings s, String clientId) {
    Map<String, Object> c = base(s, clientId);
    c.putAll(user(s));
    c.remove(ConsumerConfig.GROUP_ID_CONFIG);
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    return deserializers(c);
  }

  static Map<String, Object> admin(ClusterSettings s) {
    Map<String, Object> c = base(s, s.replicaId() + "-admin");
    c.putAll(user(s));
    return c;
  }

  private static Map<String, Object> base(ClusterSettings s, String clientId) {
    Map<String, Object> c = new HashMap<>();
    c.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, s.bootstrapServers());
    c.put(CommonClientConfigs.CLIENT_ID_CONFIG, clientId);
    // with the default (rebootstrap) a send() during an outage can block its caller until the
    // broker is back (docs/testing.md)
    c.put(CommonClientConfigs.METADATA_RECOVERY_STRATEGY_CONFIG, "none");
    c.put(CommonClientConfigs.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000);
    return c;
  }

  private static Map<String, Object> user(ClusterSettings s) {
    Map<String, Object> c = new HashMap<>();
    for (Map.Entry<String, Secret> e : s.clientProperties().entrySet()) c.put(e.getKey(), e.getValue().reveal());
    return c;
  }

  private static Map<String, Object> durable(Map<String, Object> c) {
    c.put(ProducerConfig.ACKS_CONFIG, "all");
    c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    c.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    c.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    return c;
  }

  private static Map<String, Object> deserializers(Map<String, Object> c) {
    c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    return c;
  }
}
