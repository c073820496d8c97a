package org.xraybridge.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test broker the cluster-mode tests stand on: a real KRaft broker from Maven artifacts, driven
 * by the real kafka-clients, the same broker again after an outage. (A restart after {@link
 * KafkaBroker#kill()} costs another start and is left to the tests that need a crash.)
 */
class KafkaBrokerTest {
  // a failed run keeps the broker's logs (broker.log, stdout.log) for reading
  @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir;

  @Test
  void broker_topicsProduceConsume_survivesAnOutage() throws Exception {
    try (KafkaBroker broker = KafkaBroker.in(dir.resolve("kafka")).start();
         Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      // the two kinds of topic the cluster mode makes: partitioned spans, compacted state
      admin.createTopics(List.of(
          new NewTopic("spans", 3, (short) 1),
          new NewTopic("state", 1, (short) 1).configs(Map.of(
              TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
              TopicConfig.RETENTION_MS_CONFIG, "-1")))).all().get(30, TimeUnit.SECONDS);
      assertThat(admin.describeTopics(List.of("spans")).allTopicNames().get(10, TimeUnit.SECONDS)
          .get("spans").partitions()).hasSize(3);
      Config state = topicConfig(admin, "state");
      assertThat(state.get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).isEqualTo("compact");
      assertThat(state.get(TopicConfig.CLEANUP_POLICY_CONFIG).source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
      assertThat(state.get(TopicConfig.RETENTION_MS_CONFIG).value()).isEqualTo("-1");
      Config spans = topicConfig(admin, "spans");
      assertThat(spans.get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).isEqualTo("delete");
      assertThat(spans.get(TopicConfig.CLEANUP_POLICY_CONFIG).source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);

      try (KafkaProducer<String, String> producer = producer(broker);
           KafkaConsumer<String, String> consumer = consumer(broker, "smoke")) {
        for (int i = 0; i < 6; i++) {
          RecordMetadata m = producer.send(new ProducerRecord<>("spans", i % 3, "k" + i, "v" + i)).get(30, TimeUnit.SECONDS);
          assertThat(m.partition()).isEqualTo(i % 3);
        }
        producer.send(new ProducerRecord<>("state", "source-1", "checkpoint-1")).get(30, TimeUnit.SECONDS);
        consumer.subscribe(List.of("spans"));
        List<ConsumerRecord<String, String>> first = poll(consumer, 6);
        assertThat(first).extracting(ConsumerRecord::value).containsExactlyInAnyOrder("v0", "v1", "v2", "v3", "v4", "v5");
        assertThat(first).extracting(ConsumerRecord::partition).containsOnly(0, 1, 2);
        consumer.commitSync();

        // an outage: a record sent while the broker is down is queued, not acknowledged, until it is back
        broker.stop();
        assertThat(broker.alive()).isFalse();
        Future<RecordMetadata> during = producer.send(new ProducerRecord<>("spans", 0, "k-during", "during"));
        // not acknowledged, and still not after 2 s of the producer's retries
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> !during.isDone());
        broker.restart();
        assertThat(during.get(30, TimeUnit.SECONDS).partition()).isZero();
        producer.send(new ProducerRecord<>("spans", 0, "k-after", "after")).get(30, TimeUnit.SECONDS);
        // the same consumer carries on from its committed offsets: nothing again, nothing missed
        assertThat(poll(consumer, 2)).extracting(ConsumerRecord::value).containsExactly("during", "after");
      }
      // the compacted topic kept its record across the restart too
      try (KafkaConsumer<String, String> consumer = consumer(broker, "state-reader")) {
        consumer.assign(List.of(new TopicPartition("state", 0)));
        assertThat(poll(consumer, 1)).extracting(ConsumerRecord::value).containsExactly("checkpoint-1");
      }
    }
  }

  private static Config topicConfig(Admin admin, String topic) throws Exception {
    ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    return admin.describeConfigs(List.of(r)).all().get(10, TimeUnit.SECONDS).get(r);
  }

  /**
   * acks=all, as the bridge produces. {@code metadata.recovery.strategy=none}: with the default
   * (rebootstrap) a send() during an outage can block its caller until the broker is back; see
   * docs/testing.md.
   */
  private static KafkaProducer<String, String> producer(KafkaBroker broker) {
    return new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
        ProducerConfig.ACKS_CONFIG, "all",
        CommonClientConfigs.METADATA_RECOVERY_STRATEGY_CONFIG, "none",
        ProducerConfig.MAX_BLOCK_MS_CONFIG, 5000,
        ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500,
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
  }

  /** A classic-protocol group member with the short session timeout the cluster tests use. */
  private static KafkaConsumer<String, String> consumer(KafkaBroker broker, String group) {
    return new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
        ConsumerConfig.GROUP_ID_CONFIG, group,
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
        ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 2000,
        ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500,
        ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500,
        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class));
  }

  /** Polls until {@code n} records came (or a minute passed), then briefly for any extra. */
  private static List<ConsumerRecord<String, String>> poll(KafkaConsumer<String, String> consumer, int n) {
    List<ConsumerRecord<String, String>> out = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (out.size() < n && System.nanoTime() < deadline) consumer.poll(Duration.ofMillis(100)).forEach(out::add);
    consumer.poll(Duration.ofMillis(200)).forEach(out::add);
    return out;
  }
}
