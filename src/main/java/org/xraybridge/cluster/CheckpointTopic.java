package org.xraybridge.cluster;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.xraybridge.model.SharedValues;

/**
 * The sources' checkpoints in the compacted topic {@code <prefix>-checkpoints}, keyed by source name
 * and placed by Kafka's own partitioner (docs/cluster.md "Sources"). A load reads the key's partition
 * from its beginning to the end it had when the load began and keeps the key's last value; a save is
 * produced with acks=all and waited for, both bounded by {@code timeout}. Thread-safe.
 */
final class CheckpointTopic implements SharedValues, AutoCloseable {

  /** A tombstone, as {@link SharedValues#load} tells it: deleted, not never saved. */
  private static final byte[] DELETED = new byte[0];

  /** Room for a checkpoint that remembers the delivered set's million ids (lz4 on the wire). */
  static final int MAX_BYTES = 32 << 20;

  private final ClusterSettings settings;
  private final Duration timeout;
  private final KafkaProducer<byte[], byte[]> producer;

  CheckpointTopic(ClusterSettings settings, Duration timeout) {
    this.settings = settings;
    this.timeout = timeout;
    this.producer = new KafkaProducer<>(
        KafkaClients.checkpointProducer(settings, settings.replicaId() + "-checkpoints", MAX_BYTES, (int) timeout.toMillis()));
  }

  @Override
  public Optional<byte[]> load(String key) {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    long deadline = System.nanoTime() + timeout.toNanos();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(KafkaClients.checkpointReader(settings, MAX_BYTES))) {
      List<PartitionInfo> partitions = c.partitionsFor(settings.checkpointsTopic(), timeout);
      if (partitions == null || partitions.isEmpty()) throw new IllegalStateException("topic " + settings.checkpointsTopic() + " does not exist");
      TopicPartition tp = new TopicPartition(settings.checkpointsTopic(), Utils.toPositive(Utils.murmur2(k)) % partitions.size());
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      long end = c.endOffsets(List.of(tp), timeout).get(tp);
      byte[] last = null; // null: no record of the key before the end
      while (c.position(tp, timeout) < end) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("reading partition " + tp + " to offset " + end + " took over " + timeout);
        }
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          if (r.offset() < end && Arrays.equals(r.key(), k)) last = r.value() == null ? DELETED : r.value();
        }
      }
      return Optional.ofNullable(last);
    } catch (KafkaException e) {
      throw new IllegalStateException("cannot read topic " + settings.checkpointsTopic() + ": " + e, e);
    }
  }

  @Override
  public void save(String key, byte[] value) {
    try {
      producer.send(new ProducerRecord<>(settings.checkpointsTopic(), key.getBytes(StandardCharsets.UTF_8), value))
          .get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException("Kafka did not acknowledge it: " + e.getCause(), e.getCause());
    } catch (TimeoutException | KafkaException e) {
      throw new IllegalStateException("Kafka did not acknowledge it within " + timeout + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for Kafka's acknowledgement", e);
    }
  }

  @Override
  public void checkWritable() {
    try {
      if (producer.partitionsFor(settings.checkpointsTopic()).isEmpty()) {
        throw new IllegalStateException("topic " + settings.checkpointsTopic() + " has no partition");
      }
    } catch (KafkaException e) {
      throw new IllegalStateException("topic " + settings.checkpointsTopic() + " cannot be written: " + e, e);
    }
  }

  @Override
  public String location(String key) {
    return "kafka topic " + settings.checkpointsTopic() + ", key " + key;
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
  }
}
