package org.xraybridge.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.xraybridge.forward.agent.V04ChunkEncoder;
import org.xraybridge.merge.MergeStage;
import org.xraybridge.merge.Stitcher;
import org.xraybridge.merge.TraceIndex;
import org.xraybridge.model.Admission;
import org.xraybridge.model.ConvertedTrace;
import org.xraybridge.model.DatadogContext;
import org.xraybridge.model.Half;
import org.xraybridge.model.IdCodec;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.NativeSink;
import org.xraybridge.model.Priority;
import org.xraybridge.model.Secret;
import org.xraybridge.model.Span;
import org.xraybridge.model.StitchListener;
import org.xraybridge.model.TraceKey;
import org.xraybridge.ops.MicrometerReceiverMetrics;
import org.xraybridge.receiver.AgentReceiver;
import org.xraybridge.receiver.ConnectionLimits;
import org.xraybridge.receiver.ConnectionMetrics;
import org.xraybridge.receiver.ReceiverSettings;
import org.xraybridge.receiver.V04ChunkDecoder;
import org.xraybridge.testing.KafkaBroker;
import org.xraybridge.testing.PassThroughs;
import org.xraybridge.testing.RecordingSink;
import org.xraybridge.testing.TestLedger;

/**
 * Kafka mode in one JVM against a real broker (docs/cluster.md): the topics are made and checked, a
 * tracer's payload is answered 200 only once Kafka acknowledged it and 429 within the produce timeout
 * while the broker is down, both halves of a trace meet in one partition and join, a record that does
 * not read back is skipped and counted without blocking its partition, and a partition that moves to
 * another replica is rebuilt from the changelog so a later X-Ray half still joins. The three-replica
 * scenarios (kill -9, rolling restart) run on the packaged jar in {@code it.ClusterIT}.
 */
class ClusterKafkaTest {

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) static Path dir;
  static KafkaBroker broker;

  static final long TRACE = 0x1a2b3c4d5e6f7081L;
  static final long TID = 0x6720c2ab00000000L;
  final HttpClient http = HttpClient.newHttpClient();
  final V04ChunkEncoder encoder = new V04ChunkEncoder();

  @BeforeAll
  static void broker() {
    broker = KafkaBroker.in(dir.resolve("kafka")).start();
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) broker.close();
  }

  static ClusterSettings settings(String prefix, String replica) {
    return new ClusterSettings(replica, broker.bootstrapServers(), prefix, 3, (short) 1, prefix + "-bridge", Duration.ofSeconds(1),
        900 * 1024, 4 << 20, Map.of("reconnect.backoff.ms", Secret.of("50")), Duration.ofSeconds(3), Duration.ofSeconds(20),
        Duration.ofSeconds(5), Duration.ofMinutes(30), 5000);
  }

  /** One replica in this JVM: the node, a merge stage behind it, a forward stage that settles at once. */
  static final class Replica implements AutoCloseable {
    final TestLedger ledger = new TestLedger();
    final SettlingSink forward = new SettlingSink();
    final ClusterNode node;
    final MergeStage merge;

    Replica(ClusterSettings s) {
      this(s, null);
    }

    /** @param natives what consumed native halves go to instead of merge; null for merge */
    Replica(ClusterSettings s, NativeSink natives) {
      node = new ClusterNode(s, new V04ChunkEncoder(), new V04ChunkDecoder(), ledger, ClusterMetrics.NONE, Clock.systemUTC());
      TraceIndex index = new TraceIndex(10_000, Duration.ofMinutes(30), Ticker.systemTicker(), Scheduler.systemScheduler());
      merge = new MergeStage(index, new Stitcher(index, Clock.systemUTC()), node.batchSink(forward), node.mergeLedger(),
          StitchListener.NONE, Duration.ofSeconds(1), Integer.MAX_VALUE, Duration.ofMinutes(30), 100_000, Ticker.systemTicker(),
          Scheduler.systemScheduler(), node.journal());
      node.consumeInto(natives == null ? merge : natives, merge, merge, merge::flush, () -> {});
      node.start();
    }

    @Override
    public void close() {
      node.stopProducing();
      node.stopConsuming();
    }
  }

  @Test
  void nativeAndXRayHalves_meetInOnePartition_join_andABadRecordIsSkippedWithoutBlocking() throws Exception {
    try (Replica r = new Replica(settings("join", "a"));
         AgentReceiver receiver = receiver(r)) {
      receiver.start();
      List<Span> nativeSpans = nativeTrace(TRACE, 3);
      HttpResponse<String> answer = put(receiver.port(), nativeSpans, true);
      assertThat(answer.statusCode()).isEqualTo(200);
      // acknowledged before the answer: produced is counted by the time the 200 is seen
      assertThat(r.ledger.produced(Half.NATIVE)).isEqualTo(3);

      // a record that does not decode, one of a format this replica does not know, then a good one, all in the trace's partition
      try (KafkaProducer<byte[], byte[]> raw = rawProducer()) {
        byte[] key = SpanRecords.key(TraceKey.of(TRACE));
        raw.send(record("join-spans", key, "1", new byte[] {(byte) 0x93, 0x01})).get(10, TimeUnit.SECONDS);
        raw.send(record("join-spans", key, "99", encoder.encode(nativeSpans))).get(10, TimeUnit.SECONDS);
      }
      assertThat(r.node.xrays().offer(xrayHalf(TRACE, "prod", DatadogContext.NONE))).isEqualTo(Admission.ACCEPTED);
      assertThat(put(receiver.port(), nativeTrace(TRACE + 2, 2), true).statusCode()).isEqualTo(200);

      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        assertThat(r.forward.spansOf(TRACE)).hasSize(5);
        assertThat(r.forward.spansOf(TRACE + 2)).hasSize(2);
      });
      Span xrayRoot = r.forward.spansOf(TRACE).stream().filter(s -> s.spanId() == 0x1111L).findFirst().orElseThrow();
      assertThat(xrayRoot.meta("_dd.p.tid")).isEqualTo(IdCodec.toHex64(TID)); // joined: the tracer's high bits
      assertThat(xrayRoot.metrics().get(Priority.METRIC)).isEqualTo(1.0); // and its decision
      assertThat(r.ledger.dropped(Ledger.Stage.CLUSTER, Ledger.Reason.MALFORMED)).isEqualTo(6); // 3 spans each, by their header
      assertThat(r.node.status().skippedRecords()).isEqualTo(2);
      assertThat(r.ledger.received(Half.XRAY_POLL)).isEqualTo(2);
      assertThat(r.ledger.consumed(Half.XRAY_POLL)).isEqualTo(2);
      assertThat(r.ledger.consumed(Half.NATIVE)).isEqualTo(3 + 2 + 6); // the skipped records' spans are consumed and dropped
      // every record read was committed once its spans settled
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(lag("join")).isZero());
    }
  }

  /**
   * A consumer that dies on an unexpected error leaves the group, so its partitions move; its status
   * must stop listing them and its lag gauge stop counting them (summed over replicas it would count
   * partitions another one owns now), and it says why it stopped.
   */
  @Test
  void deadConsumer_ownsNothing_andCountsNoLag() throws Exception {
    NativeSink broken = chunks -> {
      throw new IllegalStateException("merge broke");
    };
    try (Replica r = new Replica(settings("dead", "a"), broken);
         AgentReceiver receiver = receiver(r)) {
      receiver.start();
      await().atMost(Duration.ofSeconds(30)).until(() -> !r.node.status().partitions().isEmpty());
      assertThat(put(receiver.port(), nativeTrace(TRACE, 3), true).statusCode()).isEqualTo(200);

      await().atMost(Duration.ofSeconds(30)).until(() -> !r.node.status().running());
      ClusterStatus status = r.node.status();
      assertThat(status.partitions()).isEmpty();
      assertThat(status.rebuilding()).isEmpty();
      assertThat(status.consumerLag()).isZero();
      assertThat(status.lastError()).contains("merge broke");
    }
  }

  @Test
  void brokerDown_answers429WithinTheProduceTimeout_neverA200_andRecovers() throws Exception {
    try (Replica r = new Replica(settings("outage", "a"));
         AgentReceiver receiver = receiver(r)) {
      receiver.start();
      assertThat(put(receiver.port(), nativeTrace(7, 2), true).statusCode()).isEqualTo(200);
      broker.stop();
      try {
        long t0 = System.nanoTime();
        HttpResponse<String> refused = put(receiver.port(), nativeTrace(8, 2), true);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(ms).isLessThan(1000 + 2000); // the produce timeout (1 s), with a wide margin
        // a tracer that does not ask for real statuses gets the Agent's 200, and the spans are counted dropped
        assertThat(put(receiver.port(), nativeTrace(9, 2), false).statusCode()).isEqualTo(200);
        // counted as Kafka fails each record, which may come a moment after the answer at the timeout
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
            assertThat(r.ledger.dropped(Ledger.Stage.RECEIVE, Ledger.Reason.OVERLOADED)).isEqualTo(4));
        assertThat(r.ledger.produced(Half.NATIVE)).isEqualTo(2);
      } finally {
        broker.restart();
      }
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
          .until(() -> put(receiver.port(), nativeTrace(10, 2), true).statusCode() == 200);
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(r.forward.spansOf(10)).isNotEmpty());
      assertThat(r.forward.spansOf(8)).isEmpty(); // answered 429 and never taken: not forwarded behind the tracer's back
    }
  }

  @Test
  void partitionMovesToAnotherReplica_itsIndexIsRebuilt_andALaterXRayHalfJoins() throws Exception {
    ClusterSettings a = settings("move", "a");
    Replica first = new Replica(a);
    try (AgentReceiver receiver = receiver(first)) {
      receiver.start();
      assertThat(put(receiver.port(), nativeTrace(TRACE, 3), true).statusCode()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(first.forward.spansOf(TRACE)).hasSize(3));
    }
    first.close(); // gives its partitions up: delivered, committed, and the changelog written
    try (Replica second = new Replica(settings("move", "b"))) {
      await().atMost(Duration.ofSeconds(30)).until(() -> second.node.status().partitions().size() == 3
          && second.node.status().rebuilding().isEmpty());
      assertThat(second.node.status().rebuilds()).isPositive();
      assertThat(second.node.xrays().offer(xrayHalf(TRACE, "prod", DatadogContext.NONE))).isEqualTo(Admission.ACCEPTED);
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(second.forward.spansOf(TRACE)).hasSize(2));
      Span root = second.forward.spansOf(TRACE).stream().filter(s -> s.spanId() == 0x1111L).findFirst().orElseThrow();
      assertThat(root.meta("_dd.p.tid")).isEqualTo(IdCodec.toHex64(TID));
      assertThat(second.forward.spansOf(TRACE).stream().map(Span::spanId)).doesNotContain(1L, 2L, 3L); // nothing read twice
    }
  }

  @Test
  void topicsThatCannotCoverTheIndexTtl_areRefused_withOneLineNamingTopicAndSetting() throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      admin.createTopics(List.of(
          new NewTopic("short-spans", 3, (short) 1).configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, "60000")),
          new NewTopic("short-index", 3, (short) 1).configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, "compact")),
          new NewTopic("loose-spans", 3, (short) 1),
          new NewTopic("loose-index", 3, (short) 1).configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, "delete")),
          new NewTopic("skew-spans", 3, (short) 1),
          new NewTopic("skew-index", 2, (short) 1).configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, "compact"))))
          .all().get(30, TimeUnit.SECONDS);
      assertRefused("short", "bridge.merge.index-ttl", "short-spans", "retention.ms=60000");
      assertRefused("loose", "bridge.cluster.kafka.topic-prefix", "loose-index", "cleanup.policy=delete");
      assertRefused("skew", "bridge.cluster.kafka.topic-prefix", "skew-index", "2 partitions");
      // and what the bridge makes itself passes its own check
      try (Admin a = Admin.create(KafkaClients.admin(settings("made", "a")))) {
        assertThat(TopicSetup.ensure(a, settings("made", "a"))).isEqualTo(3);
        assertThat(TopicSetup.ensure(a, settings("made", "b"))).isEqualTo(3);
      }
      assertThat(admin.listTopics().names().get(10, TimeUnit.SECONDS)).contains("made-spans", "made-index");
    }
  }

  @Test
  void checkpointsTopic_keepsEachSourcesLastValue_andTopicsThatCannotServeSourcesAreRefused() throws Exception {
    ClusterSettings s = settings("ckpt", "a");
    try (Admin a = Admin.create(KafkaClients.admin(s))) {
      TopicSetup.ensureSources(a, s, 2, CheckpointTopic.MAX_BYTES);
      TopicSetup.ensureSources(a, settings("ckpt", "b"), 2, CheckpointTopic.MAX_BYTES); // as made, it passes its own check
      assertThatThrownBy(() -> TopicSetup.ensureSources(a, s, 3, CheckpointTopic.MAX_BYTES))
          .hasMessageStartingWith("bridge.xray.sources: topic ckpt-sources has 2 partitions for 3 X-Ray sources")
          .hasMessageNotContaining("\n");
      a.createTopics(List.of(new NewTopic("plain-checkpoints", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
      assertThatThrownBy(() -> TopicSetup.ensureSources(a, settings("plain", "a"), 1, CheckpointTopic.MAX_BYTES))
          .hasMessageStartingWith("bridge.cluster.kafka.topic-prefix: topic plain-checkpoints has cleanup.policy=delete")
          .hasMessageNotContaining("\n");
    }
    try (CheckpointTopic one = new CheckpointTopic(s, Duration.ofSeconds(10));
         CheckpointTopic other = new CheckpointTopic(settings("ckpt", "b"), Duration.ofSeconds(10))) {
      one.checkWritable();
      assertThat(one.load("eu")).isEmpty();
      one.save("eu", "1".getBytes());
      one.save("us", "u".getBytes());
      one.save("eu", "2".getBytes());
      // another replica reads the last value each source's owner saved
      assertThat(other.load("eu")).hasValueSatisfying(v -> assertThat(new String(v)).isEqualTo("2"));
      assertThat(other.load("us")).hasValueSatisfying(v -> assertThat(new String(v)).isEqualTo("u"));
      assertThat(other.load("ap")).isEmpty();
      // the operator's tombstone (to restart a corrupt checkpoint from now − lag) reads as deleted, not as never saved
      try (KafkaProducer<byte[], byte[]> operator = rawProducer()) {
        operator.send(new ProducerRecord<>("ckpt-checkpoints", "us".getBytes(), null)).get(10, TimeUnit.SECONDS);
      }
      assertThat(other.load("us")).hasValueSatisfying(v -> assertThat(v).isEmpty());
    }
  }

  @Test
  void sourcesMove_throughGroupMembership_releasedByTheirOwnerBeforeAnotherAcquiresThem() throws Exception {
    List<String> events = java.util.Collections.synchronizedList(new ArrayList<>());
    List<String> names = List.of("c", "a", "b");
    ClusterSettings a = settings("elect", "a");
    try (Admin admin = Admin.create(KafkaClients.admin(a))) {
      TopicSetup.ensureSources(admin, a, names.size(), CheckpointTopic.MAX_BYTES);
    }
    SourceElection first = new SourceElection(a, names, owner("a", events));
    SourceElection second = new SourceElection(settings("elect", "b"), names, owner("b", events));
    try {
      first.start();
      await().atMost(Duration.ofSeconds(30)).until(() -> first.owned().size() == 3);
      assertThat(first.owned()).containsExactly("a", "b", "c");
      second.start();
      await().atMost(Duration.ofSeconds(30)).until(() -> !second.owned().isEmpty() && first.owned().size() + second.owned().size() == 3);
      for (String moved : second.owned()) {
        assertThat(events).containsSubsequence("a released " + moved, "b acquired " + moved);
      }
      assertThat(first.owned()).doesNotContainAnyElementsOf(second.owned());
      first.stop(); // leaving: its sources are released, then the other replica takes them
      await().atMost(Duration.ofSeconds(30)).until(() -> second.owned().size() == 3);
      for (String n : names) assertThat(events).containsSubsequence("a released " + n, "b acquired " + n);
      assertThat(events).noneMatch(e -> e.contains(" lost "));
    } finally {
      first.stop();
      second.stop();
    }
  }

  private static org.xraybridge.model.SourceOwner owner(String replica, List<String> events) {
    return new org.xraybridge.model.SourceOwner() {
      @Override
      public void acquired(String source) {
        events.add(replica + " acquired " + source);
      }

      @Override
      public void released(String source) {
        events.add(replica + " released " + source);
      }

      @Override
      public void lost(String source) {
        events.add(replica + " lost " + source);
      }
    };
  }

  private static void assertRefused(String prefix, String... words) {
    try (Admin a = Admin.create(KafkaClients.admin(settings(prefix, "a")))) {
      assertThatThrownBy(() -> TopicSetup.ensure(a, settings(prefix, "a")))
          .isInstanceOf(IllegalStateException.class)
          .satisfies(e -> {
            assertThat(e.getMessage()).startsWith("bridge.").doesNotContain("\n");
            for (String w : words) assertThat(e.getMessage()).contains(w);
          });
    }
  }

  private long lag(String prefix) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      var committed = admin.listConsumerGroupOffsets(prefix + "-bridge").partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
      Map<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest = new java.util.HashMap<>();
      for (int p = 0; p < 3; p++) latest.put(new TopicPartition(prefix + "-spans", p), org.apache.kafka.clients.admin.OffsetSpec.latest());
      long lag = 0;
      for (var e : admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS).entrySet()) {
        var c = committed.get(e.getKey());
        lag += e.getValue().offset() - (c == null ? 0 : c.offset());
      }
      return lag;
    }
  }

  private AgentReceiver receiver(Replica r) {
    return new AgentReceiver(new ReceiverSettings("127.0.0.1", 0, 25L << 20, Duration.ofSeconds(5), 240,
            new ConnectionLimits(100, 100, Duration.ofSeconds(10), Duration.ofSeconds(60)), 1, 64L << 20), r.node.natives(),
        new RecordingSink(), PassThroughs.none(), r.ledger,
        new MicrometerReceiverMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry()), ConnectionMetrics.NOOP,
        Clock.systemUTC());
  }

  private HttpResponse<String> put(int port, List<Span> spans, boolean realStatus) throws Exception {
    byte[] trace = encoder.encode(spans);
    byte[] body = new byte[trace.length + 1];
    body[0] = (byte) 0x91;
    System.arraycopy(trace, 0, body, 1, trace.length);
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v0.4/traces"))
        .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/msgpack").header("Datadog-Meta-Lang", "java")
        .PUT(HttpRequest.BodyPublishers.ofByteArray(body));
    if (realStatus) b.header("Datadog-Send-Real-Http-Status", "true");
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A tracer's trace: a root and children, priority auto-keep, env prod, 128-bit id. */
  static List<Span> nativeTrace(long traceId, int spans) {
    List<Span> out = new ArrayList<>();
    long now = System.currentTimeMillis() * 1_000_000L;
    for (int i = 1; i <= spans; i++) {
      Span.Builder b = Span.builder().traceId(traceId).spanId(i).parentId(i == 1 ? 0 : 1).startNanos(now).durationNanos(1000)
          .service("checkout").name("http.request").resource("GET /").type("web").putMeta("env", "prod");
      if (i == 1) b.putMeta("_dd.p.tid", IdCodec.toHex64(TID)).putMetric(Priority.METRIC, 1);
      out.add(b.build());
    }
    return out;
  }

  /** The X-Ray half: two spans under the tracer's span 1, the padded X-Ray id of the trace. */
  static ConvertedTrace xrayHalf(long traceId, String env, DatadogContext dd) {
    long now = System.currentTimeMillis() * 1_000_000L;
    List<Span> spans = List.of(
        Span.builder().traceId(traceId).spanId(0x1111L).parentId(1).startNanos(now).durationNanos(500).service("payments")
            .name("aws.xray.segment").resource("POST /pay").putMeta("env", env).build(),
        Span.builder().traceId(traceId).spanId(0x2222L).parentId(0x1111L).startNanos(now).durationNanos(100).service("payments")
            .name("aws.dynamodb").resource("PutItem").putMeta("env", env).build());
    return new ConvertedTrace("1-00000000-00000000" + IdCodec.toHex64(traceId), traceId, Half.XRAY_POLL, spans, env, dd,
        Set.of("1111"), Set.of(), Set.of());
  }

  private static KafkaProducer<byte[], byte[]> rawProducer() {
    return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class, ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
        ByteArraySerializer.class));
  }

  private static ProducerRecord<byte[], byte[]> record(String topic, byte[] key, String version, byte[] value) {
    RecordHeaders h = new RecordHeaders();
    h.add(SpanRecords.H_VERSION, version.getBytes());
    h.add(SpanRecords.H_HALF, "native".getBytes());
    h.add(SpanRecords.H_SPANS, "3".getBytes());
    return new ProducerRecord<>(topic, null, key, value, h);
  }
}
