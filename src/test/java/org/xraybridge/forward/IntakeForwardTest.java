package org.xraybridge.forward;


import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.mapping.LogarithmicMapping;
import com.datadoghq.sketch.ddsketch.store.CollapsingLowestDenseStore;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.Value;
import org.xraybridge.forward.intake.proto.AgentPayload;
import org.xraybridge.model.Admission;
import org.xraybridge.model.ChunkBatch;
import org.xraybridge.model.Half;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.Priority;
import org.xraybridge.model.Secret;
import org.xraybridge.model.Span;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.model.TracerInfo;
import org.xraybridge.ops.MicrometerForwardMetrics;
import org.xraybridge.testing.TestLedger;

/** Intake mode against a local intake that decodes what it gets, field by field. */
class IntakeForwardTest {
  private static final String KEY = "0123456789abcdef0123456789abcdef";
  @TempDir Path spoolDir;
  private FakeHop intake;
  private Forwarder forwarder;
  private final TestLedger ledger = new TestLedger();
  private final MicrometerForwardMetrics metrics = new MicrometerForwardMetrics(new SimpleMeterRegistry());

  @AfterEach
  void tearDown() {
    if (forwarder != null) forwarder.stop(Duration.ofSeconds(2));
    if (intake != null) intake.close();
  }

  /** Sampling as the tracer decided: the errors sampler off, so priority alone decides what is sent. */
  private Forwarder start(Clock clock) throws IOException {
    return start(clock, 0);
  }

  private Forwarder start(Clock clock, double errorsPerSecond) throws IOException {
    intake = FakeHop.start();
    intake.answer(r -> new FakeHop.Answer(202, "{}"));
    ForwardSettings s = TestSettings.intake(intake.url(), Secret.of(KEY), spoolDir)
        .hostname("bridge-host-1")
        .env("staging-default")
        .retryBudget(Duration.ofMillis(500))
        .errorsPerSecond(errorsPerSecond)
        .build();
    forwarder = new Forwarder(s, ledger, metrics, clock);
    forwarder.start();
    return forwarder;
  }

  @Test
  void submit_randomChunks_postsGzipProtobufThatTwoIndependentDecodersReadFieldByField() throws IOException {
    start(Clock.systemUTC());
    SplittableRandom r = new SplittableRandom(21);
    List<TraceChunk> all = new ArrayList<>();
    for (int b = 0; b < 6; b++) {
      List<TraceChunk> chunks = new ArrayList<>();
      for (int i = 0; i < 25; i++) chunks.add(TestTraces.random(r, i % 3 == 0 ? TestTraces.PYTHON : TestTraces.JAVA));
      all.addAll(chunks);
      forwarder.submit(ChunkBatch.of(chunks));
    }
    forwarder.flush();
    Map<Long, TraceChunk> kept = new HashMap<>();
    long keptSpans = 0;
    long sampledOut = 0;
    for (TraceChunk c : all) {
      if (IntakeWire.expectedPriority(c) > 0) {
        kept.put(c.traceId(), c);
        keptSpans += c.size();
      } else {
        sampledOut += c.size();
      }
    }
    long expectedForwarded = keptSpans;
    await().atMost(Duration.ofSeconds(10)).until(() -> ledger.forwarded() == expectedForwarded);

    List<FakeHop.Request> posts = intake.accepted("/api/v0.2/traces");
    assertThat(posts).isNotEmpty();
    Map<Long, TraceChunk> seen = new HashMap<>();
    for (FakeHop.Request post : posts) {
      assertThat(post.method()).isEqualTo("POST");
      assertThat(post.header("DD-API-KEY")).isEqualTo(KEY);
      assertThat(post.header("Content-Type")).isEqualTo("application/x-protobuf");
      assertThat(post.header("Content-Encoding")).isEqualTo("gzip");
      assertThat(post.header("User-Agent")).startsWith("xray-datadog-bridge/");
      byte[] raw = IntakeWire.gunzip(post.body());
      IntakeWire.Payload dynamic = IntakeWire.dynamic(raw);
      IntakeWire.Payload schemaless = IntakeWire.schemaless(raw);
      assertThat(schemaless).as("schema-less reading agrees with the descriptor reading").isEqualTo(dynamic);
      // the generated classes of src/main/proto read it too
      assertThat(AgentPayload.parseFrom(raw).getTracerPayloadsCount())
          .isEqualTo(dynamic.tracers().size());

      assertThat(dynamic.hostName()).isEqualTo("bridge-host-1");
      assertThat(dynamic.env()).isEqualTo("staging-default");
      assertThat(dynamic.agentVersion()).startsWith("xray-datadog-bridge-");
      assertThat(dynamic.targetTps()).isEqualTo(10.0);
      assertThat(dynamic.errorTps()).isEqualTo(10.0);
      List<String> languages = new ArrayList<>();
      for (IntakeWire.Tracer t : dynamic.tracers()) {
        if (!languages.contains(t.languageName())) languages.add(t.languageName());
        assertThat(t.hostname()).isEqualTo("bridge-host-1");
        for (IntakeWire.Chunk c : t.chunks()) {
          long traceId = c.spans().get(0).traceId();
          TraceChunk expected = kept.get(traceId);
          assertThat(expected).as("trace %s was sent and kept", Long.toUnsignedString(traceId)).isNotNull();
          assertThat(seen.put(traceId, expected)).as("trace sent once").isNull();
          IntakeWire.assertChunk(c, expected);
          assertThat(t.languageName()).isEqualTo(expected.tracer().language());
          assertThat(t.languageVersion()).isEqualTo(expected.tracer().languageVersion());
          assertThat(t.tracerVersion()).isEqualTo(expected.tracer().tracerVersion());
          assertThat(t.containerId()).isEqualTo(expected.tracer().containerId());
          assertThat(t.env()).isEqualTo(expected.env().isEmpty() ? "staging-default" : expected.env());
        }
      }
      assertThat(Arrays.asList(post.header("X-Datadog-Reported-Languages").split("\\|")))
          .containsExactlyInAnyOrderElementsOf(languages);
    }
    assertThat(seen.keySet()).isEqualTo(kept.keySet());
    assertThat(ledger.dropped(Ledger.Reason.SAMPLED_OUT)).isEqualTo(sampledOut);
    assertThat(ledger.dropped()).isEqualTo(sampledOut);
    assertThat(forwarder.inFlightSpans()).isZero();
  }

  @Test
  void stop_afterSpansKeptAndSampledOut_postsStatsWhoseCountsAndSketchesMatchEverySpan() throws IOException {
    long t0 = TestTraces.T0; // aligned to 10 s
    Clock clock = Clock.fixed(Instant.ofEpochSecond(0, t0).plusSeconds(5), ZoneOffset.UTC);
    start(clock);
    List<TraceChunk> chunks = new ArrayList<>();
    List<Double> okDurations = new ArrayList<>();
    List<Double> errDurations = new ArrayList<>();
    long rootDurationSum = 0;
    int rootErrors = 0;
    int n = 200;
    for (int i = 0; i < n; i++) {
      boolean error = i % 5 == 0;
      long d = (i + 1) * 1_000_000L; // 1 ms … 200 ms
      Span root = Span.builder().traceId(1000 + i).spanId(10_000 + i * 10L).parentId(0)
          .startNanos(t0 + i * 1_000_000L).durationNanos(d).error(error ? 1 : 0)
          .service("checkout").name("http.request").resource("GET /cart").type("web")
          .putMeta("span.kind", "server").putMeta("http.status_code", error ? "500" : "200").build();
      Span client = Span.builder().traceId(1000 + i).spanId(10_000 + i * 10L + 1).parentId(root.spanId())
          .startNanos(t0 + i * 1_000_000L).durationNanos(d / 2)
          .service("checkout").name("dynamodb.query").resource("Query orders").type("db")
          .putMeta("span.kind", "client").build();
      Span internal = Span.builder().traceId(1000 + i).spanId(10_000 + i * 10L + 2).parentId(root.spanId())
          .startNanos(t0 + i * 1_000_000L).durationNanos(d / 4)
          .service("checkout").name("render").resource("render").build(); // not eligible
      Span measured = Span.builder().traceId(1000 + i).spanId(10_000 + i * 10L + 3).parentId(root.spanId())
          .startNanos(t0 + i * 1_000_000L).durationNanos(d / 8)
          .service("checkout").name("cache.get").resource("get").putMetric("_dd.measured", 1).build();
      Span partial = Span.builder().traceId(1000 + i).spanId(10_000 + i * 10L + 4).parentId(root.spanId())
          .startNanos(t0 + i * 1_000_000L).durationNanos(d / 8).service("checkout").name("partial")
          .resource("partial").putMeta("span.kind", "server").putMetric("_dd.partial_version", 2).build();
      int priority = i % 2 == 0 ? Priority.AUTO_KEEP : Priority.AUTO_REJECT; // stats see both
      chunks.add(new TraceChunk(1000 + i, List.of(root, client, internal, measured, partial), priority, "", "prod",
          Half.NATIVE, TestTraces.JAVA));
      rootDurationSum += d;
      if (error) {
        rootErrors++;
        errDurations.add((double) d);
      } else {
        okDurations.add((double) d);
      }
    }
    forwarder.submit(ChunkBatch.of(chunks));
    forwarder.stop(Duration.ofSeconds(5));
    forwarder = null;

    List<FakeHop.Request> statsPosts = intake.accepted("/api/v0.2/stats");
    assertThat(statsPosts).hasSize(1);
    FakeHop.Request post = statsPosts.get(0);
    assertThat(post.header("DD-API-KEY")).isEqualTo(KEY);
    assertThat(post.header("Content-Type")).isEqualTo("application/msgpack");
    assertThat(post.header("Content-Encoding")).isEqualTo("gzip");
    Map<String, Value> payload = map(unpack(IntakeWire.gunzip(post.body())));
    assertThat(payload.keySet()).containsExactlyInAnyOrder(
        "AgentHostname", "AgentEnv", "Stats", "AgentVersion", "ClientComputed", "SplitPayload");
    assertThat(payload.get("AgentHostname").asStringValue().asString()).isEqualTo("bridge-host-1");
    assertThat(payload.get("AgentEnv").asStringValue().asString()).isEqualTo("staging-default");
    assertThat(payload.get("ClientComputed").asBooleanValue().getBoolean()).isFalse();
    assertThat(payload.get("SplitPayload").asBooleanValue().getBoolean()).isFalse();
    List<Value> clientPayloads = payload.get("Stats").asArrayValue().list();
    assertThat(clientPayloads).hasSize(1);
    Map<String, Value> cp = map(clientPayloads.get(0));
    assertThat(cp.get("Env").asStringValue().asString()).isEqualTo("prod");
    assertThat(cp.get("Lang").asStringValue().asString()).isEqualTo("java");
    List<Value> buckets = cp.get("Stats").asArrayValue().list();
    assertThat(buckets).hasSize(1);
    Map<String, Value> bucket = map(buckets.get(0));
    assertThat(bucket.get("Start").asIntegerValue().toLong()).isEqualTo(t0);
    assertThat(bucket.get("Duration").asIntegerValue().toLong()).isEqualTo(10_000_000_000L);

    Map<String, Map<String, Value>> groups = new HashMap<>();
    for (Value g : bucket.get("Stats").asArrayValue()) {
      Map<String, Value> m = map(g);
      String key = m.get("Name").asStringValue().asString() + "/" + m.get("HTTPStatusCode").asIntegerValue().toInt();
      assertThat(groups.put(key, m)).as("group %s once", key).isNull();
    }
    // root spans: two groups by status code; the internal and partial spans are not eligible
    assertThat(groups.keySet()).containsExactlyInAnyOrder(
        "http.request/200", "http.request/500", "dynamodb.query/0", "cache.get/0");

    Map<String, Value> ok = groups.get("http.request/200");
    Map<String, Value> err = groups.get("http.request/500");
    assertThat(str(ok, "Service")).isEqualTo("checkout");
    assertThat(str(ok, "Resource")).isEqualTo("GET /cart");
    assertThat(str(ok, "Type")).isEqualTo("web");
    assertThat(str(ok, "SpanKind")).isEqualTo("server");
    assertThat(ok.get("IsTraceRoot").asIntegerValue().toInt()).isEqualTo(1);
    assertThat(ok.get("Synthetics").asBooleanValue().getBoolean()).isFalse();
    assertThat(count(ok, "Hits") + count(err, "Hits")).isEqualTo(n);
    assertThat(count(ok, "TopLevelHits") + count(err, "TopLevelHits")).isEqualTo(n);
    assertThat(count(ok, "Errors")).isZero();
    assertThat(count(err, "Errors")).isEqualTo(rootErrors);
    assertThat(count(ok, "Duration") + count(err, "Duration")).isEqualTo(rootDurationSum);

    DDSketch okSketch = sketch(ok.get("OkSummary").asBinaryValue().asByteArray());
    DDSketch errSketch = sketch(err.get("ErrorSummary").asBinaryValue().asByteArray());
    assertThat(okSketch.getCount()).isEqualTo(okDurations.size());
    assertThat(errSketch.getCount()).isEqualTo(errDurations.size());
    assertThat(sketch(ok.get("ErrorSummary").asBinaryValue().asByteArray()).getCount()).isZero();
    for (double q : new double[] {0.5, 0.75, 0.9, 0.99}) {
      assertThat(okSketch.getValueAtQuantile(q)).as("ok p%s", q * 100)
          .isCloseTo(exactQuantile(okDurations, q), within(exactQuantile(okDurations, q) * 0.0078 + 1));
      assertThat(errSketch.getValueAtQuantile(q)).as("error p%s", q * 100)
          .isCloseTo(exactQuantile(errDurations, q), within(exactQuantile(errDurations, q) * 0.0078 + 1));
    }

    Map<String, Value> client = groups.get("dynamodb.query/0");
    assertThat(str(client, "SpanKind")).isEqualTo("client");
    assertThat(count(client, "Hits")).isEqualTo(n);
    assertThat(count(client, "TopLevelHits")).as("same service as its parent: not top-level").isZero();
    assertThat(client.get("IsTraceRoot").asIntegerValue().toInt()).isEqualTo(2);
    assertThat(count(groups.get("cache.get/0"), "Hits")).as("measured").isEqualTo(n);

    // the traces: half kept, half sampled out — but all of them in the stats above
    assertThat(ledger.dropped(Ledger.Reason.SAMPLED_OUT)).isEqualTo(5L * n / 2);
    assertThat(ledger.forwarded()).isEqualTo(5L * n / 2);
  }

  @Test
  void submit_chunksOfATracerThatComputesItsOwnStats_areForwardedButNotCountedAgain() throws IOException {
    long t0 = TestTraces.T0;
    start(Clock.fixed(Instant.ofEpochSecond(0, t0).plusSeconds(5), ZoneOffset.UTC));
    TracerInfo computing = new TracerInfo("go", "1.22", "1.70.0", "", true);
    List<TraceChunk> chunks = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      boolean own = i % 2 == 0;
      Span root = Span.builder().traceId(500 + i).spanId(5_000 + i).parentId(0)
          .startNanos(t0 + i * 1_000_000L).durationNanos(1_000_000L)
          .service(own ? "counted-by-tracer" : "counted-here").name("http.request").resource("GET /").type("web")
          .putMeta("span.kind", "server").build();
      chunks.add(new TraceChunk(500 + i, List.of(root), Priority.AUTO_KEEP, "", "prod", Half.NATIVE,
          own ? computing : TestTraces.JAVA));
    }
    forwarder.submit(ChunkBatch.of(chunks));
    forwarder.stop(Duration.ofSeconds(5));
    forwarder = null;

    assertThat(ledger.forwarded()).as("every span still goes to the trace intake").isEqualTo(10);
    List<FakeHop.Request> statsPosts = intake.accepted("/api/v0.2/stats");
    assertThat(statsPosts).hasSize(1);
    Map<String, Value> payload = map(unpack(IntakeWire.gunzip(statsPosts.get(0).body())));
    List<String> services = new ArrayList<>();
    long hits = 0;
    for (Value cp : payload.get("Stats").asArrayValue()) {
      for (Value bucket : map(cp).get("Stats").asArrayValue()) {
        for (Value g : map(bucket).get("Stats").asArrayValue()) {
          services.add(str(map(g), "Service"));
          hits += count(map(g), "Hits");
        }
      }
    }
    assertThat(services).containsOnly("counted-here");
    assertThat(hits).isEqualTo(5);
  }

  @Test
  void submit_sampledOutTracesWithAnError_areSentUpToTheErrorsBudgetWithTheirRate() throws IOException {
    start(Clock.systemUTC(), 10); // the default of bridge.forward.errors-per-second, the Agent's
    List<TraceChunk> chunks = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      // 0-19: priority 0 with an error on the child; 20-24: priority 0 without error; 25-29: user drop with error
      int priority = i < 25 ? Priority.AUTO_REJECT : Priority.USER_REJECT;
      boolean error = i < 20 || i >= 25;
      Span root = Span.builder().traceId(700 + i).spanId(7_000 + i * 10L).parentId(0)
          .startNanos(TestTraces.T0).durationNanos(2_000_000L).service("checkout").name("http.request").resource("GET /")
          .putMetric("_sampling_priority_v1", priority).build();
      Span child = Span.builder().traceId(700 + i).spanId(7_000 + i * 10L + 1).parentId(root.spanId())
          .startNanos(TestTraces.T0).durationNanos(1_000_000L).service("checkout").name("db.query").resource("SELECT")
          .error(error ? 1 : 0).build();
      chunks.add(new TraceChunk(700 + i, List.of(root, child), priority, "", "prod", Half.NATIVE, TestTraces.JAVA));
    }
    forwarder.submit(ChunkBatch.of(chunks)); // well within one second: one budget
    forwarder.stop(Duration.ofSeconds(5));
    forwarder = null;

    Map<Long, List<IntakeWire.DecodedSpan>> delivered = new HashMap<>();
    for (FakeHop.Request post : intake.accepted("/api/v0.2/traces")) {
      for (IntakeWire.Tracer tp : IntakeWire.dynamic(IntakeWire.gunzip(post.body())).tracers()) {
        for (IntakeWire.Chunk chunk : tp.chunks()) {
          assertThat(chunk.priority()).as("a rescued trace keeps priority 0").isZero();
          assertThat(chunk.droppedTrace()).isFalse();
          delivered.put(chunk.spans().get(0).traceId(), chunk.spans());
        }
      }
    }
    // the first 10 sampled-out error traces of the second, no others
    assertThat(delivered.keySet()).containsExactlyInAnyOrderElementsOf(
        java.util.stream.LongStream.range(700, 710).boxed().toList());
    for (List<IntakeWire.DecodedSpan> spans : delivered.values()) {
      IntakeWire.DecodedSpan root = spans.stream().filter(sp -> sp.parentId() == 0).findFirst().orElseThrow();
      assertThat(root.metrics()).containsEntry("_dd.errors_sr", 1.0);
      IntakeWire.DecodedSpan child = spans.stream().filter(sp -> sp.parentId() != 0).findFirst().orElseThrow();
      assertThat(child.metrics()).doesNotContainKey("_dd.errors_sr");
    }
    assertThat(ledger.forwarded()).isEqualTo(20);
    assertThat(ledger.dropped(Ledger.Reason.SAMPLED_OUT)).isEqualTo(40);
    assertThat(metrics.errorTracesRescued()).as("counted for health").isEqualTo(10);
  }

  @Test
  void offer_clientStats_postedWrappedAsClientComputedWithTheBodyUnchanged() throws IOException {
    start(Clock.systemUTC());
    byte[] clientStats;
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      p.packMapHeader(4);
      p.packString("Hostname").packString("tracer-host");
      p.packString("Env").packString("prod");
      p.packString("Version").packString("1.2.3");
      p.packString("Stats").packArrayHeader(0);
      clientStats = p.toByteArray();
    }
    assertThat(forwarder.offer(clientStats, TestTraces.JAVA)).isEqualTo(Admission.ACCEPTED);
    await().atMost(Duration.ofSeconds(5)).until(() -> !intake.accepted("/api/v0.2/stats").isEmpty());
    FakeHop.Request post = intake.accepted("/api/v0.2/stats").get(0);
    assertThat(post.header("DD-API-KEY")).isEqualTo(KEY);
    assertThat(post.header("X-Datadog-Reported-Languages")).isEqualTo("java");
    Map<String, Value> payload = map(unpack(IntakeWire.gunzip(post.body())));
    assertThat(payload.get("ClientComputed").asBooleanValue().getBoolean()).isTrue();
    List<Value> stats = payload.get("Stats").asArrayValue().list();
    assertThat(stats).hasSize(1);
    assertThat(stats.get(0)).isEqualTo(unpack(clientStats));
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private static Value unpack(byte[] b) throws IOException {
    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(b)) {
      Value v = u.unpackValue();
      assertThat(u.hasNext()).isFalse();
      return v;
    }
  }

  private static Map<String, Value> map(Value v) {
    return V04Wire.fields(v.asMapValue());
  }

  private static String str(Map<String, Value> m, String key) {
    return m.get(key).asStringValue().asString();
  }

  private static long count(Map<String, Value> m, String key) {
    return m.get(key).asIntegerValue().toLong();
  }

  /**
   * A DDSketch protobuf (mapping{gamma 1, indexOffset 2, interpolation 3}, positive
   * store 2 {contiguousBinCounts 2, contiguousBinIndexOffset 3}, negative 3, zeroCount 4) rebuilt
   * with sketches-java's own mapping and store.
   */
  static DDSketch sketch(byte[] proto) throws IOException {
    UnknownFieldSet s = UnknownFieldSet.parseFrom(proto);
    UnknownFieldSet mapping = UnknownFieldSet.parseFrom(s.getField(1).getLengthDelimitedList().get(0));
    double gamma = Double.longBitsToDouble(mapping.getField(1).getFixed64List().get(0));
    double offset = mapping.hasField(2) ? Double.longBitsToDouble(mapping.getField(2).getFixed64List().get(0)) : 0;
    assertThat(gamma).as("gamma").isCloseTo(1.015625, within(1e-12));
    assertThat(offset).as("index offset (backend minimum 1e-9)").isEqualTo(1338.5);
    assertThat(mapping.hasField(3) ? mapping.getField(3).getVarintList().get(0) : 0L).as("interpolation NONE").isZero();
    DDSketch sketch = new DDSketch(new LogarithmicMapping(gamma, offset), () -> new CollapsingLowestDenseStore(2048));
    if (s.hasField(2)) {
      UnknownFieldSet store = UnknownFieldSet.parseFrom(s.getField(2).getLengthDelimitedList().get(0));
      assertThat(store.hasField(1)).as("no sparse bins").isFalse();
      int index = store.hasField(3) ? decodeZigZag(store.getField(3).getVarintList().get(0)) : 0;
      if (store.hasField(2)) {
        for (long bits : store.getField(2).getFixed64List()) { // unpacked form
          double c = Double.longBitsToDouble(bits);
          if (c > 0) sketch.getPositiveValueStore().add(index, c);
          index++;
        }
        for (ByteString packed : store.getField(2).getLengthDelimitedList()) { // packed form
          ByteBuffer b = packed.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
          while (b.hasRemaining()) {
            double c = b.getDouble();
            if (c > 0) sketch.getPositiveValueStore().add(index, c);
            index++;
          }
        }
      }
    }
    if (s.hasField(3)) {
      UnknownFieldSet negative = UnknownFieldSet.parseFrom(s.getField(3).getLengthDelimitedList().get(0));
      assertThat(negative.hasField(2)).as("no negative durations").isFalse();
    }
    if (s.hasField(4)) sketch.accept(0, Double.longBitsToDouble(s.getField(4).getFixed64List().get(0)));
    return sketch;
  }

  private static int decodeZigZag(long v) {
    return (int) ((v >>> 1) ^ -(v & 1));
  }

  /** The lower quantile as DDSketch defines it (rank = q·(n−1)). */
  private static double exactQuantile(List<Double> values, double q) {
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return sorted[(int) Math.floor(q * (sorted.length - 1))];
  }
}
