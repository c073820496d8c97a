package org.xraybridge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.xraybridge.demo.EmulatorStore;
import org.xraybridge.demo.Faults;
import org.xraybridge.demo.RecordedRequest;
import org.xraybridge.demo.XRayEmulator;
import org.xraybridge.forward.agent.V04ChunkEncoder;
import org.xraybridge.model.IdCodec;
import org.xraybridge.model.Priority;
import org.xraybridge.model.Span;
import org.xraybridge.testing.BridgeProcess;
import org.xraybridge.testing.KafkaBroker;
import org.xraybridge.testing.RecordingAgent;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Kafka mode on the packaged jar (docs/cluster.md): three replicas as child JVMs share a real broker,
 * tracers' payloads go to all three, X-Ray halves come from two sources (an emulated account each)
 * whose pollers the three elect through Kafka's group membership. In one run, because every start
 * costs: every X-Ray half joins its native half (trace id, {@code _dd.p.tid}, env, decision) and
 * halves of dropped traces are dropped; each source is polled by one replica at a time (the
 * emulators' request logs, signed with each replica's own key, say who polled); {@code kill -9} of
 * the replica polling source {@code a} mid-run loses no span answered 200, what it sends twice is
 * counted as redelivered, and another replica polls the source on from the cursor the dead one
 * checkpointed in Kafka, its overlap sending no X-Ray span twice (an X-Ray chunk the dead replica had
 * forwarded but not committed is read again like a native one: sent twice, counted); a graceful rolling restart
 * sends nothing twice; a 10 s broker outage never gets a 200 for a span Kafka did not take and heals
 * by itself; an undecodable record is skipped and counted. Prints the failover time it measures.
 */
class ClusterIT {

  static final int PARTITIONS = 6;
  static final long TID = 0x6720c2ab00000000L;
  static final String SESSION = System.getProperty("cluster.it.session", "3s");
  static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir;

  /** The X-Ray sources, one emulated account each: a trace's X-Ray half goes to source {@code seq % 2}. */
  static final String[] SOURCES = {"a", "b"};
  static final Duration OVERLAP = Duration.ofSeconds(30);
  final EmulatorStore[] stores = {new EmulatorStore(Clock.systemUTC(), 100_000), new EmulatorStore(Clock.systemUTC(), 100_000)};
  final XRayEmulator[] emulators = new XRayEmulator[2];
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  final V04ChunkEncoder encoder = new V04ChunkEncoder();
  final ScheduledExecutorService later = Executors.newScheduledThreadPool(2);
  final BridgeProcess[] replicas = new BridgeProcess[3];
  /** Traces answered 200: trace id → whether the tracer kept it. */
  final Map<Long, Boolean> promised = new ConcurrentHashMap<>();
  final AtomicLong sequence = new AtomicLong(1);
  final AtomicLong refused = new AtomicLong();
  /** redelivered counters of replica lifetimes that ended. */
  long redeliveredBefore;

  @Test
  void threeReplicas_joinAcrossReplicas_surviveKill9_rollingRestart_brokerOutage_andABadRecord() throws Exception {
    try (KafkaBroker broker = KafkaBroker.in(dir.resolve("kafka")).start();
         XRayEmulator ea = XRayEmulator.start(stores[0], "127.0.0.1", 0, Faults.NONE);
         XRayEmulator eb = XRayEmulator.start(stores[1], "127.0.0.1", 0, Faults.NONE);
         RecordingAgent agent = new RecordingAgent()) {
      emulators[0] = ea;
      emulators[1] = eb;
      for (int i = 0; i < 3; i++) replicas[i] = replica(i, broker, agent).build();
      for (BridgeProcess r : replicas) r.start();
      for (BridgeProcess r : replicas) assertThat(r.awaitUp(Duration.ofSeconds(120))).as(r.workDir + "\n" + tail(r)).isTrue();
      awaitAllPartitionsServed(Duration.ofSeconds(60), replicas);

      // 1. traffic spread over the three, every one allowed to poll; then kill -9 of the replica polling source a, mid-run
      AtomicBoolean on = traffic();
      Thread.sleep(6_000);
      int k = ownerOf("a");
      long killedAt = System.nanoTime();
      replicas[k].kill9();
      BridgeProcess[] others = {replicas[(k + 1) % 3], replicas[(k + 2) % 3]};
      double failover = awaitAllPartitionsServed(Duration.ofSeconds(60), others) / 1000.0;
      System.out.printf("ClusterIT: partitions of the killed replica served again after %.1f s (session timeout %s)%n",
          (System.nanoTime() - killedAt) / 1e9, SESSION);
      assertThat(failover).isLessThan(30);
      // its source is polled again by another replica, from the checkpoint the dead one left in Kafka
      RecordedRequest resumed = await().atMost(Duration.ofSeconds(60)).until(
          () -> firstSummariesAfter(emulators[0], killedAt), java.util.Objects::nonNull);
      double sourceFailover = (resumed.receivedNanos() - killedAt) / 1e9;
      long resumedFrom = resumed.startTime().movePointRight(3).longValueExact() + OVERLAP.toMillis();
      Set<Long> cursors = checkpointCursors(broker, "a");
      System.out.printf("ClusterIT: source a polled again by another replica %.1f s after the kill -9 of its poller r%d, its"
          + " first window starting at a cursor checkpointed in Kafka (%s)%n", sourceFailover, k + 1, java.time.Instant.ofEpochMilli(resumedFrom));
      assertThat(resumed.accessKeyId()).isNotEqualTo(accessKey(k));
      assertThat(sourceFailover).isLessThan(30);
      assertThat(cursors).as("cursors of source a in xray-bridge-checkpoints").contains(resumedFrom);
      Thread.sleep(1_000);
      replicas[k].start();
      assertThat(replicas[k].awaitUp(Duration.ofSeconds(120))).isTrue();
      Thread.sleep(1_000);
      on.set(false);
      settle(agent);
      long afterKill = agent.duplicates();
      long redelivered = redelivered();
      System.out.printf("ClusterIT: after the kill -9: %d spans sent twice, %d counted as redelivered, %d traces promised%n",
          afterKill, redelivered, promised.size());
      assertThat(afterKill).isLessThanOrEqualTo(redelivered);

      // 2. a graceful rolling restart under traffic: nothing twice
      on = traffic();
      for (int i : new int[] {2, 1}) {
        redeliveredBefore += metric(replicas[i], "bridge.cluster.redelivered.spans");
        assertThat(replicas[i].terminate(Duration.ofSeconds(60))).isIn(0, 143);
        replicas[i].start();
        assertThat(replicas[i].awaitUp(Duration.ofSeconds(120))).isTrue();
      }
      Thread.sleep(1_000);
      on.set(false);
      settle(agent);
      assertThat(agent.duplicates()).as("sent twice by the rolling restart").isEqualTo(afterKill);

      // 3. the broker down 10 s under traffic: never a 200 without an acknowledgement; heals by itself
      on = traffic();
      Thread.sleep(2_000);
      long promisedBefore = promised.size();
      long brokerDown = System.nanoTime();
      broker.stop();
      Thread.sleep(10_000);
      broker.start();
      long brokerUp = System.nanoTime();
      long refusedAtRestart = refused.get();
      await().atMost(Duration.ofSeconds(60)).until(() -> promised.size() > promisedBefore + 30);
      on.set(false);
      assertThat(refusedAtRestart).as("payloads answered 429 while the broker was down").isPositive();

      // 4. a record that does not decode is skipped and counted; its partitions go on
      try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
          broker.bootstrapServers(), ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
          ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class))) {
        for (int p = 0; p < PARTITIONS; p++) {
          RecordHeaders h = new RecordHeaders();
          h.add("xb-v", "1".getBytes());
          h.add("xb-half", "native".getBytes());
          raw.send(new ProducerRecord<>("xray-bridge-spans", p, new byte[8], new byte[] {(byte) 0xc1}, h)).get(30, TimeUnit.SECONDS);
        }
      }
      on = traffic();
      Thread.sleep(2_000);
      on.set(false);
      settle(agent);
      double skipped = 0;
      for (BridgeProcess r : replicas) skipped += metric(r, "bridge.cluster.records.skipped");
      assertThat(skipped).isGreaterThanOrEqualTo(PARTITIONS);
      assertThat(agent.duplicates()).isLessThanOrEqualTo(redelivered());

      // every X-Ray half joined its native half; halves of dropped traces were dropped (polled with the kept ones)
      Thread.sleep(1_500);
      int kept = 0;
      for (Map.Entry<Long, Boolean> t : promised.entrySet()) {
        long seq = seqOf(t.getKey());
        for (long id : new long[] {xraySegment(seq), xraySegment(seq) + 1}) {
          RecordingAgent.Seen s = agent.spans.get(id);
          if (!t.getValue()) {
            assertThat(s).as("X-Ray half of dropped trace %d", t.getKey()).isNull();
            continue;
          }
          assertThat(s).as("X-Ray span %x of trace %d", id, t.getKey()).isNotNull();
          assertThat(s.traceId).isEqualTo(t.getKey());
          assertThat(s.env).isEqualTo("prod");
        }
        if (t.getValue()) {
          RecordingAgent.Seen root = agent.spans.get(xraySegment(seq));
          RecordingAgent.Seen child = agent.spans.get(xraySegment(seq) + 1);
          // the tracer's high bits go on the first span of the joined chunk, the decision on its root
          assertThat(root.tid.isEmpty() ? child.tid : root.tid).as("_dd.p.tid of trace %d", t.getKey()).isEqualTo(IdCodec.toHex64(TID));
          assertThat(root.priority).isEqualTo(1.0);
          kept++;
        }
      }
      // each source polled by one replica at a time (the broker outage aside: members found out of the group then
      // stop their pollers only when they hear of it), and no X-Ray half sent twice
      for (int e = 0; e < 2; e++) {
        assertThat(overlaps(emulators[e], brokerDown, brokerUp + TimeUnit.SECONDS.toNanos(15)))
            .as("GetTraceSummaries of source %s by two replicas at once", SOURCES[e]).isEmpty();
      }
      long xrayTwice = 0;
      for (long seq : promised.keySet().stream().map(ClusterIT::seqOf).toList()) {
        for (long id : new long[] {xraySegment(seq), xraySegment(seq) + 1}) {
          RecordingAgent.Seen s = agent.spans.get(id);
          if (s != null) xrayTwice += s.times.get() - 1;
        }
      }
      // the new poller's first window overlaps the dead one's by 30 s: hundreds of X-Ray spans it must recognise as
      // sent. What may come twice is only what a replica forwarded past its last commit before it died or lost its
      // partitions (the kill, the broker outage), X-Ray chunks as native ones, all counted as redelivered
      // (docs/cluster.md, "A crash").
      assertThat(xrayTwice).as("X-Ray spans sent twice, beyond what was counted as redelivered").isLessThanOrEqualTo(redelivered());
      System.out.printf("ClusterIT: %d traces promised (%d kept), %d spans at the Agent, %d sent twice (%d counted redelivered),"
          + " %d payloads refused while a replica or the broker was down%n", promised.size(), kept, agent.spans.size(),
          agent.duplicates(), redelivered(), refused.get());
      for (BridgeProcess r : replicas) r.terminate(Duration.ofSeconds(30));
    } finally {
      later.shutdownNow();
      for (BridgeProcess r : replicas) if (r != null) r.close();
    }
  }

  private BridgeProcess.Builder replica(int i, KafkaBroker broker, RecordingAgent agent) {
    return BridgeProcess.in(dir.resolve("r" + (i + 1))).args(
        "--bridge.cluster.mode=kafka",
        "--bridge.cluster.replica-id=r" + (i + 1),
        "--bridge.cluster.kafka.bootstrap-servers=" + broker.bootstrapServers(),
        "--bridge.cluster.kafka.partitions=" + PARTITIONS,
        "--bridge.cluster.kafka.replication-factor=1",
        "--bridge.cluster.kafka.session-timeout=" + SESSION,
        "--bridge.cluster.kafka.drain-timeout=5s",
        "--bridge.cluster.kafka.rebuild-timeout=20s",
        "--bridge.forward.target=agent",
        "--bridge.forward.agent-url=http://127.0.0.1:" + agent.port(),
        "--bridge.xray.source=aws",
        "--bridge.xray.sources[0].name=" + SOURCES[0],
        "--bridge.xray.sources[0].endpoint=" + emulators[0].endpoint(),
        "--bridge.xray.sources[0].region=us-east-1",
        "--bridge.xray.sources[1].name=" + SOURCES[1],
        "--bridge.xray.sources[1].endpoint=" + emulators[1].endpoint(),
        "--bridge.xray.sources[1].region=us-east-1",
        "--bridge.xray.poll-interval=1s",
        "--bridge.xray.lag=1s",
        "--bridge.xray.overlap=" + OVERLAP.toSeconds() + "s")
        // each replica signs with its own access key: the emulators' request logs tell who polled
        .env(Map.of("AWS_ACCESS_KEY_ID", accessKey(i), "AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"));
  }

  static String accessKey(int replica) {
    return String.format("AKIAREPLICA%09d", replica + 1);
  }

  /** The replica whose cluster health component lists {@code source} among those it polls. */
  private int ownerOf(String source) {
    for (int i = 0; i < 3; i++) {
      JsonNode h = replicas[i].health();
      if (h == null) continue;
      for (JsonNode s : h.path("components").path("cluster").path("details").path("sources")) if (s.asText().equals(source)) return i;
    }
    throw new AssertionError("no replica lists source " + source);
  }

  /** The first GetTraceSummaries after {@code nanos}; null when none yet. */
  private static RecordedRequest firstSummariesAfter(XRayEmulator e, long nanos) {
    return e.requests("GetTraceSummaries").stream().filter(r -> r.receivedNanos() > nanos).findFirst().orElse(null);
  }

  /** The cursors (epoch ms) of every checkpoint of {@code source} still in the checkpoints topic. */
  private static Set<Long> checkpointCursors(KafkaBroker broker, String source) throws Exception {
    Set<Long> cursors = new HashSet<>();
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
        broker.bootstrapServers(), ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
      List<TopicPartition> tps = c.partitionsFor("xray-bridge-checkpoints").stream()
          .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      c.assign(tps);
      c.seekToBeginning(tps);
      Map<TopicPartition, Long> end = c.endOffsets(tps);
      while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) {
          if (source.equals(r.key()) && r.value() != null) {
            cursors.add(java.time.Instant.parse(JSON.readTree(r.value()).path("cursor").asText()).toEpochMilli());
          }
        }
      }
    }
    return cursors;
  }

  /**
   * Polls of one source by two replicas at once: replica X polled, then Y, then X again within
   * 2.5 poll intervals — a source that moved does not move back that fast. Requests between
   * {@code fromNanos} and {@code toNanos} are left out.
   */
  private static List<String> overlaps(XRayEmulator e, long fromNanos, long toNanos) {
    List<RecordedRequest> rs = e.requests("GetTraceSummaries").stream()
        .filter(r -> r.receivedNanos() < fromNanos || r.receivedNanos() > toNanos).toList();
    long window = TimeUnit.MILLISECONDS.toNanos(2500);
    List<String> found = new ArrayList<>();
    for (int j = 1; j < rs.size(); j++) {
      RecordedRequest before = rs.get(j - 1);
      if (before.accessKeyId().equals(rs.get(j).accessKeyId())) continue;
      for (int n = j + 1; n < rs.size() && rs.get(n).receivedNanos() - before.receivedNanos() <= window; n++) {
        if (rs.get(n).accessKeyId().equals(before.accessKeyId())) {
          found.add(before.accessKeyId() + " / " + rs.get(j).accessKeyId() + " at request " + j);
          break;
        }
      }
    }
    return found;
  }

  /** Tracers: a trace every 60 ms to the replicas in turn; its X-Ray half into the emulator once answered 200. */
  private AtomicBoolean traffic() {
    AtomicBoolean on = new AtomicBoolean(true);
    Thread t = new Thread(() -> {
      int n = 0;
      while (on.get()) {
        long seq = sequence.getAndIncrement();
        BridgeProcess r = replicas[n++ % 3];
        boolean keep = seq % 4 != 0;
        if (send(r, seq, keep)) {
          promised.put(traceId(seq), keep);
          later.schedule(() -> stores[(int) (seq % 2)].put(xrayDocument(seq)), 700, TimeUnit.MILLISECONDS);
        } else {
          refused.incrementAndGet();
        }
        try {
          Thread.sleep(60);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "tracers");
    t.setDaemon(true);
    t.start();
    return on;
  }

  private boolean send(BridgeProcess r, long seq, boolean keep) {
    long trace = traceId(seq);
    long now = System.currentTimeMillis() * 1_000_000L;
    List<Span> spans = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      Span.Builder b = Span.builder().traceId(trace).spanId(nativeSpan(seq, i)).parentId(i == 1 ? 0 : nativeSpan(seq, i - 1))
          .startNanos(now + i * 1000L).durationNanos(5_000_000L).service(i == 1 ? "checkout" : "checkout-client")
          .name(i == 1 ? "servlet.request" : "http.request").resource("POST /order").putMeta("env", "prod");
      if (i == 1) b.putMeta("_dd.p.tid", IdCodec.toHex64(TID)).putMetric(Priority.METRIC, keep ? 1 : 0);
      spans.add(b.build());
    }
    byte[] t = encoder.encode(spans);
    byte[] body = new byte[t.length + 1];
    body[0] = (byte) 0x91;
    System.arraycopy(t, 0, body, 1, t.length);
    try {
      HttpResponse<Void> a = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + r.receiverPort + "/v0.4/traces"))
          .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/msgpack").header("Datadog-Meta-Lang", "java")
          .header("Datadog-Send-Real-Http-Status", "true").header("X-Datadog-Trace-Count", "1")
          .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.discarding());
      return a.statusCode() == 200;
    } catch (Exception e) {
      return false;
    }
  }

  /** The X-Ray half: a segment under the tracer's client span, and a subsegment; padded X-Ray id of the trace. */
  private String xrayDocument(long seq) {
    long start = System.currentTimeMillis() * 1_000_000L - 50_000_000L;
    String traceId = "1-" + String.format("%08x", start / 1_000_000_000L) + "-00000000" + IdCodec.toHex64(traceId(seq));
    return "{\"name\":\"payments\",\"id\":\"" + IdCodec.toHex64(xraySegment(seq)) + "\",\"trace_id\":\"" + traceId
        + "\",\"parent_id\":\"" + IdCodec.toHex64(nativeSpan(seq, 3)) + "\",\"start_time\":" + seconds(start)
        + ",\"end_time\":" + seconds(start + 20_000_000L) + ",\"annotations\":{\"env\":\"prod\"},\"subsegments\":[{\"id\":\""
        + IdCodec.toHex64(xraySegment(seq) + 1) + "\",\"name\":\"DynamoDB\",\"namespace\":\"aws\",\"start_time\":"
        + seconds(start + 1_000_000L) + ",\"end_time\":" + seconds(start + 9_000_000L) + "}]}";
  }

  static long traceId(long seq) {
    return 0x1000_0000_0000_0000L + seq * 7919;
  }

  static long seqOf(long traceId) {
    return (traceId - 0x1000_0000_0000_0000L) / 7919;
  }

  static long nativeSpan(long seq, int i) {
    return (seq << 8) | i;
  }

  static long xraySegment(long seq) {
    return (seq << 8) | 0x10;
  }

  private static BigDecimal seconds(long nanos) {
    return BigDecimal.valueOf(nanos / 1000, 6);
  }

  /** Until every promised native span reached the Agent, and the X-Ray halves of the kept ones. */
  private void settle(RecordingAgent agent) {
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
      List<String> missing = new ArrayList<>();
      for (Map.Entry<Long, Boolean> t : promised.entrySet()) {
        long seq = seqOf(t.getKey());
        for (int i = 1; i <= 3; i++) if (!agent.spans.containsKey(nativeSpan(seq, i))) missing.add("native " + seq + "/" + i);
        if (t.getValue() && !agent.spans.containsKey(xraySegment(seq))) missing.add("xray " + seq);
      }
      assertThat(missing).as("spans answered 200 and not (yet) at the Agent").isEmpty();
    });
  }

  /** Milliseconds until {@code replicas} own every partition between them, none rebuilding. */
  private long awaitAllPartitionsServed(Duration bound, BridgeProcess... among) {
    long t0 = System.nanoTime();
    await().atMost(bound).pollInterval(Duration.ofMillis(250)).until(() -> {
      Set<Integer> owned = new HashSet<>();
      for (BridgeProcess r : among) {
        JsonNode c = r.health() == null ? null : r.health().path("components").path("cluster").path("details");
        if (c == null || !c.path("rebuilding").isEmpty()) return false;
        c.path("partitions").forEach(p -> owned.add(p.asInt()));
      }
      return owned.size() == PARTITIONS;
    });
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
  }

  private long redelivered() {
    long n = redeliveredBefore;
    for (BridgeProcess r : replicas) n += metric(r, "bridge.cluster.redelivered.spans");
    return n;
  }

  private static long metric(BridgeProcess r, String name) {
    double v = r.metric(name, null);
    return Double.isNaN(v) ? 0 : (long) v;
  }

  private static String tail(BridgeProcess r) {
    try {
      String out = r.output();
      return out.substring(Math.max(0, out.length() - 4000));
    } catch (java.io.IOException e) {
      return "";
    }
  }
}
